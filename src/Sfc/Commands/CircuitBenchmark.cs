using System.Diagnostics;
using SparseCircuits;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace Sfc.Commands;

/// <summary>One timed phase of <see cref="CircuitBenchmark"/>: wall seconds and the peak resident set during it.</summary>
internal sealed record BenchPhase(string Name, double Seconds, long? PeakBytes, double? BaselineSeconds, int? DownstreamNodes = null)
{
    /// <summary>Processor seconds of the whole process during the phase (all threads): on a shared machine the wall
    /// time stretches with the other load, this much less.</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Processor seconds the hypervisor gave to other guests during the phase (all processors), when known.</summary>
    public double? StealSeconds { get; init; }

    /// <summary>Inner phases (with <c>--profile</c>): seconds and calls, and work counters.</summary>
    public IReadOnlyDictionary<string, (double Seconds, long Calls)>? Inner { get; init; }

    public IReadOnlyDictionary<string, long>? Counters { get; init; }

    /// <summary>Baseline seconds over ours (how many times faster), when there is a baseline.</summary>
    public double? Speedup => BaselineSeconds is double b && Seconds > 0 ? b / Seconds : null;
}

/// <summary>
/// The circuit-discovery benchmark of issue 5: dictionary loading, integrated-gradient node effects, and edges at several
/// node thresholds, each timed on its own, against the reference algorithm in PyTorch 1.13 on the project's 2-core
/// machine (Pythia-70m dimensions, 19 dictionaries of 32768 features, 10 examples × 6 tokens).
/// </summary>
internal sealed record CircuitBenchmark(
    IReadOnlyList<BenchPhase> Phases, int Examples, int Tokens, NodeAggregation Aggregation, long? PeakBytes,
    double[]? LoadBefore, double[]? LoadAfter)
{
    /// <summary>The reference's seconds: loading the 19 dictionaries (11–15 s; the fast end is used), IG nodes, and the
    /// edges at node thresholds 0.1, 0.02 and 0.01 on top of the nodes.</summary>
    public const double BaselineDictionaries = 11, BaselineNodes = 20;

    public static readonly IReadOnlyDictionary<double, (double Seconds, int DownstreamNodes)> BaselineEdges =
        new Dictionary<double, (double, int)> { [0.1] = (5, 165), [0.02] = (14, 1202), [0.01] = (114, 9178) };

    /// <summary>Target ratios and limits of issue 5.</summary>
    public const double TargetCircuitSpeedup = 10, TargetNodesSpeedup = 3, TargetDictionarySeconds = 2, TargetPeakBytes = 3e9;

    public BenchPhase Phase(string name) => Phases.First(p => p.Name == name);

    /// <summary>IG nodes + edges at the lowest node threshold measured: the whole circuit.</summary>
    public BenchPhase? Circuit
    {
        get
        {
            var edges = Phases.Where(p => p.Name.StartsWith("edges@", StringComparison.Ordinal)).ToList();
            if (edges.Count == 0) return null;
            var lowest = edges.MinBy(p => Threshold(p.Name))!;
            double t = Threshold(lowest.Name);
            var nodes = Phase("nodes");
            double? baseline = BaselineEdges.TryGetValue(t, out var b) ? BaselineNodes + b.Seconds : null;
            return new BenchPhase($"circuit@{t.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                nodes.Seconds + lowest.Seconds, Max(nodes.PeakBytes, lowest.PeakBytes), baseline, lowest.DownstreamNodes)
            {
                CpuSeconds = nodes.CpuSeconds + lowest.CpuSeconds,
                StealSeconds = nodes.StealSeconds + lowest.StealSeconds,
            };
        }
    }

    public static double Threshold(string phaseName) =>
        double.Parse(phaseName[(phaseName.IndexOf('@') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    public static CircuitBenchmark Measure(string model, string dictionaries, string data, IReadOnlyList<double> thresholds,
        NodeAggregation aggregation, int steps, int? examples, bool profile = false, Action<string>? onPhase = null)
    {
        PhaseTimes.Enabled = profile;
        try
        {
            return Run(model, dictionaries, data, thresholds, aggregation, steps, examples, profile, onPhase);
        }
        finally
        {
            PhaseTimes.Enabled = false;
        }
    }

    private static CircuitBenchmark Run(string model, string dictionaries, string data, IReadOnlyList<double> thresholds,
        NodeAggregation aggregation, int steps, int? examples, bool profile, Action<string>? onPhase)
    {
        var loadBefore = ProcessMemory.LoadAverage();
        var phases = new List<BenchPhase>();
        T Timed<T>(string name, double? baseline, Func<T> work, Func<T, int?>? count = null)
        {
            onPhase?.Invoke(name);
            ProcessMemory.ResetPeak();
            PhaseTimes.Reset();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var steal = ProcessMemory.StealSeconds();
            var clock = Stopwatch.StartNew();
            var result = work();
            double seconds = clock.Elapsed.TotalSeconds;
            double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            phases.Add(new BenchPhase(name, seconds, ProcessMemory.PeakBytes(), baseline, count?.Invoke(result))
            {
                CpuSeconds = cpuSeconds,
                StealSeconds = ProcessMemory.StealSeconds() - steal,
                Inner = profile ? PhaseTimes.Totals() : null,
                Counters = profile ? PhaseTimes.Counters() : null,
            });
            return result;
        }

        var transformer = Timed("model", null, () => ModelLoader.Load(model));
        var dicts = Timed("dictionaries", BaselineDictionaries, () => DictionarySet.Load(dictionaries, transformer.Config));
        var loaded = ExampleLoader.Load(data, null, new ExampleLoadOptions { Count = examples, VocabSize = transformer.Config.VocabSize });
        if (loaded.Examples.Count == 0) throw SfcInputException.ForFile(data, "no example passes the filters");
        if (aggregation == NodeAggregation.None && loaded.Length is null)
            throw SfcInputException.ForFile(data, "aggregation 'none' needs every example to have the same token length (use --aggregation sum)");
        var batches = ExampleBatches.Split(loaded.Examples, loaded.Examples.Count);
        var options = new AttributionOptions { Steps = steps };
        var nodes = Timed("nodes", BaselineNodes, () => batches.Select(b => NodeAttributor.Attribute(transformer, dicts, b, options)).ToList());
        foreach (double t in thresholds)
        {
            string name = $"edges@{t.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            double? baseline = BaselineEdges.TryGetValue(t, out var b) ? b.Seconds : null;
            Timed(name, baseline, () =>
            {
                var attributor = new EdgeAttributor(transformer, dicts, aggregation, loaded.Length ?? 0, t);
                foreach (var batch in nodes) attributor.Add(batch);
                attributor.Finish();
                return attributor.ActiveDownstreamNodes.Values.Sum();
            }, n => n);
        }
        long? peak = phases.Select(p => p.PeakBytes).Aggregate((long?)null, Max);
        return new CircuitBenchmark(phases, loaded.Examples.Count, loaded.Length ?? 0, aggregation, peak, loadBefore, ProcessMemory.LoadAverage());
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
