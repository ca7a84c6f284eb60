namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// The edges into one active downstream node (example <see cref="Example"/>, position <see cref="Position"/>, feature
/// <see cref="Index"/>, F = error) from the upstream units of the same example, held sparsely: entry e is upstream unit
/// <see cref="UpstreamIndices"/>[e] = q·(F_U+1) + j (position q, feature j, F_U = error) with weight
/// <see cref="Values"/>[e], indices ascending; every other entry of the dense block [S, F_U+1] is zero. Entries from
/// other examples are zero and not stored, so a list of these is the [B, S, F_D+1, B, S, F_U+1] COO tensor of
/// algorithm §5.2.
/// </summary>
public sealed record DownstreamEdges(int Example, int Position, int Index, int[] UpstreamIndices, float[] Values, int UpstreamLength)
{
    /// <summary>The dense upstream block [S·(F_U+1)] (a copy; for inspection and tests).</summary>
    public float[] Upstream
    {
        get
        {
            var dense = new float[UpstreamLength];
            for (int e = 0; e < UpstreamIndices.Length; e++) dense[UpstreamIndices[e]] = Values[e];
            return dense;
        }
    }
}
