using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>Input rows [N, d_in] and target rows [N, d_out]; for an SAE both are the same tensor.</summary>
public sealed record ActivationBatch(Tensor Input, Tensor Target)
{
    public int Rows => Input.Rows;

    public bool IsAutoencoding => ReferenceEquals(Input, Target);
}
