namespace SparseCircuits.Circuits.Evaluation;

/// <summary>What the ablated runs of a session did: forward passes and how each edited row got its features.</summary>
public sealed class RunCounters
{
    /// <summary>Forward passes made with ablations (a run whose masks ablate nothing makes none).</summary>
    public int SplicedForwards { get; internal set; }

    /// <summary>Edited rows whose activation equalled the clean run's, so the clean features were reused.</summary>
    public long ReusedRows { get; internal set; }

    /// <summary>Edited rows encoded over every feature.</summary>
    public long FullyEncodedRows { get; internal set; }

    /// <summary>Edited rows encoded only at the features that mattered.</summary>
    public long SubsetEncodedRows { get; internal set; }
}
