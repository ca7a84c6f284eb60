namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// The edges into one active downstream node (example <see cref="Example"/>, position <see cref="Position"/>, feature
/// <see cref="Index"/>, F = error) from every upstream unit of the same example: <see cref="Upstream"/> is the dense
/// block [S, F_U+1] (error last). Entries from other examples are zero and not stored, so a list of these is the
/// [B, S, F_D+1, B, S, F_U+1] COO tensor of algorithm §5.2 with a dense upstream block.
/// </summary>
public sealed record DownstreamEdges(int Example, int Position, int Index, float[] Upstream);
