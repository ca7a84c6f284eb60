using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
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

        BatchActivations cleanRun;
        BatchActivations? patchRun;
        using (PhaseTimes.Measure("nodes: clean and patch runs"))
        {
            cleanRun = BatchActivations.Capture(model, clean, sites);
            patchRun = patch is null ? null : BatchActivations.Capture(model, patch, sites);
        }
        float[] cleanMetric, patchMetric;
        using (Tape.NoGrad())
        {
            cleanMetric = metric(model, cleanRun.Residual, targets).ToArray();
            patchMetric = patchRun is null ? [] : metric(model, patchRun.Residual, targets).ToArray();
        }
        SiteDelta Delta(Site site)
        {
            using var _ = PhaseTimes.Measure("nodes: encode clean and patch");
            return SiteDelta.Compute(site, dictionaries[site], cleanRun.At(site), patchRun?.At(site));
        }

        var result = new Dictionary<Site, NodeAttribution>();
        if (options.Method == AttributionMethod.AttributionPatching)
        {
            var deltas = sites.ToDictionary(s => s, s =>
            {
                var delta = Delta(s);
                dictionaries.ReleaseResidentMemory(s);
                return delta;
            });
            foreach (var (site, node) in AttributionPatching.Compute(model, dictionaries, deltas, clean, metric, targets, options.Forward))
            {
                result[site] = node;
                onSite?.Invoke(site);
            }
        }
        else
        {
            IReadOnlyDictionary<Site, Tensor>? cleanGradients = null;
            if (options.Method == AttributionMethod.IntegratedGradients)
                using (PhaseTimes.Measure("nodes: clean gradients"))
                    cleanGradients = CleanGradients.AtSites(model, clean, sites, metric, targets, options.Forward);
            // Sites are independent given the cached runs, so they are worked on side by side, one per core
            // (Parallelism.Independent); each dictionary is resident only while its site is worked on (DESIGN §7:
            // 19 dictionaries of Pythia-70m size are 2.5 GB; one is 128 MB).
            var order = sites.ToArray();
            var computed = new NodeAttribution[order.Length];
            var progress = new object();
            Parallelism.Independent(order.Length, i =>
            {
                var site = order[i];
                var delta = Delta(site);
                var blockInput = SiteRunner.BlockInputFor(site, cleanRun);
                computed[i] = options.Method == AttributionMethod.Exact
                    ? ExactPatching.Compute(model, dictionaries[site], delta, cleanRun.At(site), blockInput, metric, targets,
                        cleanMetric, options.ExactChunk, options.Forward)
                    : IntegratedGradients.Compute(model, dictionaries[site], delta, blockInput, metric, targets, options.Steps, options.Forward,
                        SiteRunner.UnchangedBranchOf(model, site, cleanRun), cleanGradients?.GetValueOrDefault(site) ?? Tensor.Zeros(cleanRun.At(site).ShapeArray));
                dictionaries.ReleaseResidentMemory(site);
                lock (progress) onSite?.Invoke(site);
            });
            for (int i = 0; i < order.Length; i++) result[order[i]] = computed[i];
        }
        return new BatchAttribution(batch, cleanMetric, patchRun is null ? null : patchMetric, result) { Clean = cleanRun };
    }
}
