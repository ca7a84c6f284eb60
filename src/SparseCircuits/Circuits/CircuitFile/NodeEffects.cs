using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits;

/// <summary>
/// The dense effects of every node at one site: [F+1] for aggregation "sum"/"last" or [S, F+1] for "none", the
/// error node last (index F).
/// </summary>
public sealed record NodeEffects(string Site, Tensor Effects)
{
    /// <summary>F, the number of dictionary features; the error node has this index.</summary>
    public int FeatureCount => Effects.Dim(-1) - 1;

    /// <summary>S for positional effects, null otherwise.</summary>
    public int? PositionCount => Effects.Rank == 2 ? Effects.Dim(0) : null;

    /// <summary>The effect of node <paramref name="index"/> at <paramref name="position"/> (ignored when not positional).</summary>
    public float Effect(int? position, int index) =>
        Effects.Span[(Effects.Rank == 2 ? position!.Value * (FeatureCount + 1) : 0) + index];
}
