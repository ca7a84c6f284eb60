using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>The pieces of one batch's loss (means over rows), the features and reconstruction, and what the progress
/// report needs. <see cref="Total"/> is on the tape when the loss was built from differentiable ops.</summary>
public sealed record SaeLoss(
    Tensor Total,
    double Reconstruction,
    double Sparsity,
    double Auxiliary,
    SparseCodes Codes,
    Tensor Reconstructed,
    double ExplainedVariance)
{
    /// <summary>Mean number of active features per row.</summary>
    public double L0 => Codes.MeanL0;
}
