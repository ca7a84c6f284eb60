using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Node effects of one batch at every spliced site (algorithm §3), by the chosen method: the clean and patch runs are
/// made once (no gradients) and cached, then each site's effects are computed from its cached states.
/// </summary>
public static class NodeAttributor
{
    /// <param name="onSite">Called after each site's effects are computed (progress reporting).</param>
    public static BatchAttribution Attribute(Transformer model, DictionarySet dictionaries, ExampleBatch batch,
        AttributionOptions options, Action<Site>? onSite = null)
    {
        var clean = TokenBatch.Stack(batch.CleanIds);
        var patch = batch.PatchIds is null ? null : TokenBatch.Stack(batch.PatchIds);
        var targets = new MetricTargets(batch.CleanAnswerIds, batch.PatchAnswerIds);
        var metric = options.Metric ?? CircuitMetrics.Get(CircuitMetrics.DefaultFor(patch is not null));
        var sites = dictionaries.Sites;

        var cleanRun = BatchActivations.Capture(model, clean, sites);
        var patchRun = patch is null ? null : BatchActivations.Capture(model, patch, sites);
        float[] cleanMetric, patchMetric;
        using (Tape.NoGrad())
        {
            cleanMetric = metric(model, cleanRun.Residual, targets).ToArray();
            patchMetric = patchRun is null ? [] : metric(model, patchRun.Residual, targets).ToArray();
        }
        var deltas = sites.ToDictionary(s => s, s => SiteDelta.Compute(s, dictionaries[s], cleanRun.At(s), patchRun?.At(s)));

        var result = new Dictionary<Site, NodeAttribution>();
        if (options.Method == AttributionMethod.AttributionPatching)
        {
            foreach (var (site, node) in AttributionPatching.Compute(model, dictionaries, deltas, clean, metric, targets, options.Forward))
            {
                result[site] = node;
                onSite?.Invoke(site);
            }
        }
        else
        {
            foreach (var site in sites)
            {
                var blockInput = SiteRunner.BlockInputFor(site, cleanRun);
                result[site] = options.Method == AttributionMethod.Exact
                    ? ExactPatching.Compute(model, dictionaries[site], deltas[site], cleanRun.At(site), blockInput, metric, targets,
                        cleanMetric, options.ExactChunk, options.Forward)
                    : IntegratedGradients.Compute(model, dictionaries[site], deltas[site], blockInput, metric, targets, options.Steps, options.Forward);
                onSite?.Invoke(site);
            }
        }
        return new BatchAttribution(batch, cleanMetric, patchRun is null ? null : patchMetric, result);
    }
}
