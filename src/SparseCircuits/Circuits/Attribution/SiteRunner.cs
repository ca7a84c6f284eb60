using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Runs the model from a site upward with the site's activation given, reusing the cached activations below it
/// (DESIGN §7: an intervention at layer L leaves everything below L unchanged). Sites inside a block re-run that
/// block from its cached input with the site replaced; the rest of the block below the site is recomputed but, having
/// no gradient inputs, is not recorded.
/// </summary>
public static class SiteRunner
{
    /// <summary>
    /// The final residual stream [R, S, d] when <paramref name="site"/> holds <paramref name="value"/> [R, S, d].
    /// <paramref name="blockInput"/> is the site's block input [R, S, d] (needed only for sites inside a block).
    /// </summary>
    public static Tensor ResidualFrom(Transformer model, Site site, Tensor value, Tensor? blockInput, ForwardOptions? options = null)
    {
        int layers = model.Config.Layers;
        switch (site.Kind)
        {
            case SiteKind.Embed:
                return Blocks(model, value, 0, layers, options);
            case SiteKind.Resid:
                return Blocks(model, value, site.Layer + 1, layers, options);
            case SiteKind.ResidPre:
                return Blocks(model, value, site.Layer, layers, options);
            case SiteKind.Attn or SiteKind.Mlp or SiteKind.MlpIn or SiteKind.ResidMid:
                if (blockInput is null) throw new ArgumentNullException(nameof(blockInput), $"Site {site} needs its block's input.");
                var hooks = new ForwardHooks().Replace(site.Name, _ => value);
                var resid = model.Block(site.Layer, blockInput, hooks, options);
                return Blocks(model, resid, site.Layer + 1, layers, options);
            default:
                throw new NotSupportedException($"Attribution at site {site} is not supported (it is not [B, S, d]).");
        }
    }

    /// <summary>The block input a site needs from cached activations (null for sites between blocks).</summary>
    public static Tensor? BlockInputFor(Site site, BatchActivations cache) =>
        site.Kind is SiteKind.Attn or SiteKind.Mlp or SiteKind.MlpIn or SiteKind.ResidMid ? cache.BlockInput(site.Layer) : null;

    private static Tensor Blocks(Transformer model, Tensor resid, int from, int to, ForwardOptions? options)
    {
        for (int l = from; l < to; l++) resid = model.Block(l, resid, null, options);
        return resid;
    }

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
