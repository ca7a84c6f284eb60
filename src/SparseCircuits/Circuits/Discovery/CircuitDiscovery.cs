using System.Diagnostics;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Discovery;

/// <summary>
/// The circuit algorithm end to end (algorithm §3–§5), batch by batch:
/// 1. node effects of every feature and error node at every dictionary site (IG, attribution or exact patching);
/// 2. aggregation of the per-example effects (sum / none / last);
/// 3. edges between the nodes above T_N, per edge type, from the same batch's gradients (unless nodes only);
/// 4. resid_last → y edges from the last residual site's node effects.
/// </summary>
public static class CircuitDiscovery
{
    public static DiscoveryResult Discover(Transformer model, DictionarySet dictionaries, IReadOnlyList<PromptExample> examples,
        DiscoveryOptions options, IProgress<DiscoveryStep>? progress = null)
    {
        if (options.Problem() is { } problem) throw new SfcInputException(problem);
        if (examples.Count == 0) throw new ArgumentException("No examples to find a circuit on.", nameof(examples));
        int length = examples[0].Length;
        bool equalLength = examples.All(e => e.Length == length);
        if (options.Aggregation == NodeAggregation.None && !equalLength)
            throw new SfcInputException("aggregation 'none' needs every example to have the same token length (use --aggregation sum)");

        var batches = ExampleBatches.Split(examples, options.BatchSize);
        var accumulator = new EffectAccumulator(options.Aggregation);
        var edges = options.NodesOnly ? null
            : new EdgeAttributor(model, dictionaries, options.Aggregation, equalLength ? length : 0, options.NodeThreshold);
        var timings = new Dictionary<string, double>();
        int nodeTotal = batches.Count * dictionaries.Count, edgeTotal = batches.Count * (edges?.Types.Count ?? 0);
        int nodesDone = 0, edgesDone = 0;
        var clock = Stopwatch.StartNew();

        foreach (var batch in batches)
        {
            clock.Restart();
            var result = NodeAttributor.Attribute(model, dictionaries, batch, options.Attribution, site =>
                Report(timings, progress, DiscoveryStep.Nodes, site.Name, ++nodesDone, nodeTotal, clock));
            accumulator.Add(result);
            if (edges is null) continue;
            clock.Restart();
            edges.Add(result, options.Attribution.Forward, type =>
                Report(timings, progress, DiscoveryStep.Edges, type.Key, ++edgesDone, edgeTotal, clock));
        }

        var nodes = accumulator.Result();
        var edgeEffects = edges is null ? [] : edges.Finish().Concat(OutputEdges.From(nodes, model.Config.Layers)).ToList();
        return new DiscoveryResult(nodes, edgeEffects, accumulator.Metric(), accumulator.Examples, timings, options);
    }

    private static void Report(Dictionary<string, double> timings, IProgress<DiscoveryStep>? progress, string phase, string item,
        int done, int total, Stopwatch clock)
    {
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        timings[phase] = timings.GetValueOrDefault(phase) + seconds;
        timings[$"{phase}.{item}"] = timings.GetValueOrDefault($"{phase}.{item}") + seconds;
        progress?.Report(new DiscoveryStep(phase, item, done, total, seconds));
    }
}
