using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Runs the model from a site upward with the site's activation given, reusing the cached activations below it
/// (DESIGN §7: an intervention at layer L leaves everything below L unchanged). Sites inside a block re-run that
/// block from its cached input with the site substituted (not computed); a branch the site cannot change (the other
/// branch of a parallel block, or attention when the site is a sequential block's MLP) can be given from the cache
/// too, so that nothing in the site's block is computed twice. When the metric reads only the last position, the
/// top block can carry the last row alone past its attention.
/// </summary>
public static class SiteRunner
{
    /// <summary>
    /// The final residual stream [R, S, d] when <paramref name="site"/> holds <paramref name="value"/> [R, S, d] — or
    /// [R, 1, d], the last position only, with <paramref name="lastPositionOnly"/>. <paramref name="blockInput"/> is the
    /// site's block input [R, S, d] (needed only for sites inside a block); <paramref name="unchangedBranch"/> is the
    /// value of the site's other branch when the site cannot change it (<see cref="UnchangedBranchOf"/>), [R, S, d].
    /// </summary>
    /// <param name="sharing">Rows of the batch known to be equal up the model (<see cref="RowSharing"/>): the inputs stay
    /// in the full layout, the blocks run on the distinct rows, and the result is in the full layout again.</param>
    public static Tensor ResidualFrom(Transformer model, Site site, Tensor value, Tensor? blockInput, ForwardOptions? options = null,
        Tensor? unchangedBranch = null, bool lastPositionOnly = false, RowSharing? sharing = null)
    {
        if (sharing is not null)
        {
            value = sharing.Compress(value);
            blockInput = blockInput is null ? null : sharing.Compress(blockInput);
            unchangedBranch = unchangedBranch is null ? null : sharing.Compress(unchangedBranch);
        }
        var result = ResidualFromRows(model, site, value, blockInput, options, unchangedBranch, lastPositionOnly, sharing);
        if (sharing is null || result.Rank == 3) return result; // the last-position rows [R, 1, d] are full-layout
        return Shaping.Reshape(sharing.Expand(result), sharing.Sequences, sharing.Length, result.Columns);
    }

    private static Tensor ResidualFromRows(Transformer model, Site site, Tensor value, Tensor? blockInput, ForwardOptions? options,
        Tensor? unchangedBranch, bool lastPositionOnly, RowSharing? sharing)
    {
        int layers = model.Config.Layers;
        Tensor LastRowOf(Tensor x) => sharing is null ? LastRow(x) : sharing.LastRows(x);
        switch (site.Kind)
        {
            case SiteKind.Embed:
                return Blocks(model, value, 0, layers, options, lastPositionOnly, sharing);
            case SiteKind.Resid:
                return Blocks(model, value, site.Layer + 1, layers, options, lastPositionOnly, sharing);
            case SiteKind.ResidPre:
                return Blocks(model, value, site.Layer, layers, options, lastPositionOnly, sharing);
            case SiteKind.Attn or SiteKind.Mlp or SiteKind.MlpIn or SiteKind.ResidMid:
                if (blockInput is null) throw new ArgumentNullException(nameof(blockInput), $"Site {site} needs its block's input.");
                bool top = site.Layer == layers - 1;
                // In the top block's last-position form the MLP side has one row per sequence.
                bool lastOnly = lastPositionOnly && (!top || site.Kind is SiteKind.Attn or SiteKind.Mlp);
                var hooks = new ForwardHooks();
                if (site.Kind is SiteKind.Attn or SiteKind.Mlp)
                {
                    bool mlpSide = site.Kind == SiteKind.Mlp;
                    hooks.Substitute(site.Name, top && lastOnly && mlpSide ? LastRowOf(value) : value);
                    if (unchangedBranch is not null)
                    {
                        var other = OtherBranch(site);
                        hooks.Substitute(other.Name, top && lastOnly && !mlpSide ? LastRowOf(unchangedBranch) : unchangedBranch);
                    }
                }
                else
                {
                    hooks.Replace(site.Name, _ => value);
                }
                var resid = top && lastOnly
                    ? model.BlockLastPosition(site.Layer, blockInput, hooks, options, sharing)
                    : model.Block(site.Layer, blockInput, hooks, options, sharing);
                return Blocks(model, resid, site.Layer + 1, layers, options, lastOnly, sharing);
            default:
                throw new NotSupportedException($"Attribution at site {site} is not supported (it is not [B, S, d]).");
        }
    }

    /// <summary>
    /// The cached value of the branch of <paramref name="site"/>'s block that substituting the site leaves unchanged:
    /// in a parallel block attention and MLP both read the block input; in a sequential block attention precedes the
    /// MLP. Null when there is none or it was not cached.
    /// </summary>
    public static Tensor? UnchangedBranchOf(Transformer model, Site site, BatchActivations cache)
    {
        if (site.Kind is not (SiteKind.Attn or SiteKind.Mlp)) return null;
        if (!model.Config.ParallelResidual && site.Kind == SiteKind.Attn) return null; // the MLP reads resid_mid = input + attn
        return cache.TryAt(OtherBranch(site));
    }

    /// <summary>True when <paramref name="metric"/> is one of the built-in metrics, which read only the last position.</summary>
    public static bool ReadsLastPositionOnly(MetricFunction metric) => CircuitMetrics.IsBuiltIn(metric);

    /// <summary>The block input a site needs from cached activations (null for sites between blocks).</summary>
    public static Tensor? BlockInputFor(Site site, BatchActivations cache) =>
        site.Kind is SiteKind.Attn or SiteKind.Mlp or SiteKind.MlpIn or SiteKind.ResidMid ? cache.BlockInput(site.Layer) : null;

    private static Site OtherBranch(Site site) => site.Kind == SiteKind.Attn ? Site.MlpOut(site.Layer) : Site.AttnOut(site.Layer);

    private static Tensor Blocks(Transformer model, Tensor resid, int from, int to, ForwardOptions? options, bool lastPositionOnly, RowSharing? sharing)
    {
        // Once a block has cut the batch to its last rows ([R, 1, d]) the rows are no longer shared.
        for (int l = from; l < to; l++)
        {
            bool shared = sharing is not null && resid.Rank == 2;
            resid = lastPositionOnly && l == to - 1
                ? model.BlockLastPosition(l, resid, null, options, shared ? sharing : null)
                : model.Block(l, resid, null, options, shared ? sharing : null);
        }
        if (!lastPositionOnly || from < to) return resid;
        return sharing is not null && resid.Rank == 2 ? sharing.LastRows(resid) : LastRow(resid);
    }

    /// <summary>[R, S, d] → its last position [R, 1, d] (differentiable).</summary>
    private static Tensor LastRow(Tensor x) => x.Dim(1) == 1 ? x : Shaping.Reshape(CircuitMetrics.LastPosition(x), x.Dim(0), 1, x.Dim(2));

    /// <summary><paramref name="times"/> stacked copies of x [B, ...] as [times·B, ...] (copy t is rows t·B..).</summary>
    public static Tensor Repeat(Tensor x, int times)
    {
        var shape = x.ShapeArray;
        shape[0] *= times;
        var y = Tensor.Empty(shape);
        for (int t = 0; t < times; t++) x.Span.CopyTo(y.Span.Slice(t * x.Length, x.Length));
        return y;
    }
}
