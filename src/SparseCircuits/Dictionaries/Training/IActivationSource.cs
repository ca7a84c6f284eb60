namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Rows of activations to train a dictionary on: the input rows and the rows to reconstruct (the same rows for an SAE,
/// another site's activations for a transcoder). A source never runs out: finite data is cycled. Deterministic for its
/// seed.
/// </summary>
public interface IActivationSource
{
    /// <summary>d_in: width of an input row.</summary>
    int InputDim { get; }

    /// <summary>d_out: width of a target row (= d_in for an SAE).</summary>
    int OutputDim { get; }

    /// <summary>The next <paramref name="rows"/> rows.</summary>
    ActivationBatch Next(int rows);
}
