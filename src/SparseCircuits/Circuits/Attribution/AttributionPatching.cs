using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Splicing;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Attribution patching (algorithm §3.1): one forward and one backward pass of the clean batch with every site
/// spliced; IE_f = Δf · (W_dec g) and IE_ε = Σ_d Δε · g with g the gradient at the site. The splices pass gradients
/// straight through, so every site sees the plain model's gradient.
/// </summary>
public static class AttributionPatching
{
    public static IReadOnlyDictionary<Site, NodeAttribution> Compute(Transformer model, DictionarySet dictionaries,
        IReadOnlyDictionary<Site, SiteDelta> deltas, TokenBatch clean, MetricFunction metric, MetricTargets targets,
        ForwardOptions? options = null)
    {
        var splice = new ModelSplice(dictionaries, site => TrackedFeatures.At(deltas[site].Support.RowStart, deltas[site].Support.Indices));
        Gradients grads;
        using (var tape = Tape.Record())
        {
            var residual = model.ResidualStream(clean, splice.Hooks(), options);
            grads = tape.Backward(Reductions.Sum(metric(model, residual, targets)));
        }
        var result = new Dictionary<Site, NodeAttribution>();
        foreach (var site in dictionaries.Sites)
        {
            var handles = splice[site];
            var delta = deltas[site];
            var featureGradient = handles.FeatureGradients(grads).ToArray();
            var errorGradient = handles.ErrorGradient(grads).View(delta.CleanError.ShapeArray);
            result[site] = NodeAttribution.FromGradients(delta, featureGradient, errorGradient);
        }
        return result;
    }
}
