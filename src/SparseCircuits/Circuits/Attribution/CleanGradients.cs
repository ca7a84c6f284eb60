using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// ∂m/∂x at every site of the clean run, from one forward and one backward pass. Integrated gradients' first
/// interpolant (α = 0) is the clean run itself at every site, so its gradient is read here once instead of being
/// recomputed in each site's batch of interpolants.
/// </summary>
public static class CleanGradients
{
    /// <returns>Per site, the gradient of the metric summed over the batch, [B, S, d].</returns>
    public static IReadOnlyDictionary<Site, Tensor> AtSites(Transformer model, TokenBatch clean, IEnumerable<Site> sites,
        MetricFunction metric, MetricTargets targets, ForwardOptions? options = null)
    {
        var result = new Dictionary<Site, Tensor>();
        var gradHooks = new GradHooks();
        foreach (var site in sites.Distinct())
            gradHooks.Read(site.Name, g => result[site] = Tensor.FromSpan(g.Read(), g.Shape[1..].ToArray()));
        // The embedding is made a leaf so that everything above it is recorded; nothing below it is needed.
        var hooks = new ForwardHooks().Replace(Site.Embed.Name, x => Tensor.FromSpan(x.Read(), x.ShapeArray).RequireGrad());
        using var tape = Tape.Record();
        var residual = model.ResidualStream(clean, hooks, options);
        tape.Backward(Reductions.Sum(metric(model, residual, targets)), gradHooks);
        return result;
    }
}
