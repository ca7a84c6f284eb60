namespace SparseCircuits.Circuits.Evaluation;

/// <summary>What the ablated runs of a session did: forward passes and how each edited row got its features.</summary>
public sealed class RunCounters
{
    /// <summary>Runs made with ablations, i.e. the reference's spliced forward passes (a run whose masks ablate
    /// nothing needs none).</summary>
    public int SplicedForwards { get; internal set; }

    /// <summary>Forward passes actually made: runs are stacked along the batch, many to a pass.</summary>
    public int StackedForwards { get; internal set; }

    /// <summary>Edited rows whose activation equalled the clean run's, so the clean features were reused.</summary>
    public long ReusedRows { get; internal set; }

    /// <summary>Distinct rows encoded over every feature.</summary>
    public long FullyEncodedRows { get; internal set; }

    /// <summary>Rows that needed a full encoding but equalled another row of the same pass, so shared its.</summary>
    public long DuplicateRows { get; internal set; }

    /// <summary>Edited rows encoded only at the features that mattered.</summary>
    public long SubsetEncodedRows { get; internal set; }
}
