namespace SparseCircuits.Circuits;

/// <summary>
/// The computed edges from site <see cref="Upstream"/> into site <see cref="Downstream"/> (or the output "y"), in
/// coordinate form, downstream first: <see cref="Indices"/> is row-major [k, 2] of (down_idx, up_idx) for
/// aggregation "sum"/"last", or [k, 4] of (down_pos, down_idx, up_pos, up_idx) for "none"; <see cref="Values"/> [k].
/// Index F of a site is its error node. Edges into "y" use downstream index 0 (and downstream position S−1).
/// </summary>
public sealed record EdgeEffects(string Upstream, string Downstream, long[] Indices, float[] Values)
{
    public int Count => Values.Length;

    public bool IntoOutput => Downstream == CircuitVocabulary.Output;
}
