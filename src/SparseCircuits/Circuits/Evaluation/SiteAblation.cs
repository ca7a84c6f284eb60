using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// The values ablated nodes of one site take (algorithm §7, pass 1): features a and error a_ε, and the activation
/// they decode to, dec(a) + a_ε (what a row with every node ablated becomes). Rows are per position, shared by every
/// example (<see cref="PerExample"/> false: mean and zero ablation), or per (example, position) (resample).
/// </summary>
/// <param name="Features">a, one row per value row.</param>
/// <param name="Error">a_ε, [rows, d].</param>
/// <param name="Activation">dec(a) + a_ε, [rows, d].</param>
public sealed record SiteAblation(Site Site, int Positions, bool PerExample, SparseCodes Features, Tensor Error, Tensor Activation)
{
    /// <summary>The value row used at <paramref name="position"/> of example <paramref name="example"/>.</summary>
    public int RowOf(int example, int position) => PerExample ? example * Positions + position : position;

    /// <summary>Rows decoded from features and errors: dec(a) + a_ε.</summary>
    internal static SiteAblation Create(Site site, int positions, bool perExample, IFeatureDictionary dictionary, SparseCodes features, Tensor error)
    {
        var activation = SparseRowSums.Decode(dictionary, features);
        System.Numerics.Tensors.TensorPrimitives.Add(activation.Span, error.Span, activation.Span);
        return new SiteAblation(site, positions, perExample, features, error, activation);
    }
}
