using System.Diagnostics;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Faithfulness and completeness of a circuit over a sweep of node thresholds (algorithm §7): F(M) and F(∅) once,
/// then for each threshold T the circuit C = {nodes with |effect| &gt; T} scored as F(C) (everything else ablated) and
/// F(M∖C) (C ablated). The clean run and the ablation values are computed once for the whole sweep; thresholds that
/// select the same nodes (the selections are nested, so equal counts mean equal sets) share their runs; and all runs
/// are made together, stacked along the batch (<see cref="EvaluationSession.RunMany"/>).
/// </summary>
public static class CircuitEvaluator
{
    /// <summary>Scores <paramref name="circuit"/> on <paramref name="examples"/> (one token length) at every threshold
    /// of <paramref name="options"/>.</summary>
    /// <param name="progress">Called with the fraction of the ablated runs' work done (progress reporting).</param>
    /// <exception cref="SfcInputException">The circuit does not fit the model or the dictionaries, or its positions
    /// do not match the examples' length.</exception>
    public static EvaluationReport Sweep(Transformer model, DictionarySet dictionaries, Circuit circuit, IReadOnlyList<PromptExample> examples,
        EvaluationOptions? options = null, Action<double>? progress = null)
    {
        options ??= new EvaluationOptions();
        if (options.Thresholds.Count == 0) throw new SfcInputException("--thresholds: give at least one threshold");
        if (options.BatchSize < 1) throw new SfcInputException("--batch-size must be at least 1");
        var sites = EvaluatedSites(model, dictionaries, circuit, options.StartLayer);
        if (examples.Count == 0) throw new SfcInputException("no examples to evaluate on");
        if (circuit.PositionCount is int positions && positions != examples[0].Length)
            throw new SfcInputException($"the circuit keeps effects per position for {positions} tokens (aggregation 'none'); the examples have {examples[0].Length}");

        var clock = Stopwatch.StartNew();
        var session = EvaluationSession.Create(model, dictionaries, sites, examples, options.Ablation, options.Seed, options.BatchSize, options.Metric);
        double prepare = clock.Elapsed.TotalSeconds;
        clock.Restart();

        double full = session.FullModel;
        var shape = NodeMasks.FromCircuit(circuit, sites, 0);
        var rng = new Random(options.Seed);

        // Every run of the sweep, made together: F(∅), then per distinct selection F(C) and F(M∖C), then the random circuits.
        var runs = new List<NodeMasks> { shape.Uniform(false) };
        var circuitRun = new Dictionary<int, (int Circuit, int Complement)>();
        var counts = new int[options.Thresholds.Count];
        var randomRun = new int[options.Thresholds.Count];
        for (int t = 0; t < options.Thresholds.Count; t++)
        {
            var masks = NodeMasks.FromCircuit(circuit, sites, options.Thresholds[t]);
            counts[t] = masks.NodeCount;
            if (!circuitRun.ContainsKey(counts[t]))
            {
                // An empty circuit is F(∅) itself; its complement keeps everything and needs no forward pass.
                circuitRun[counts[t]] = (counts[t] == 0 ? 0 : runs.Count, runs.Count + (counts[t] == 0 ? 0 : 1));
                if (counts[t] != 0) runs.Add(masks);
                runs.Add(masks.Complement());
            }
            if (options.RandomBaseline)
            {
                randomRun[t] = runs.Count;
                var drawn = shape.Random((double)counts[t] / shape.Size, rng);
                runs.Add(drawn);
                runs.Add(drawn.Complement());
            }
        }
        var means = session.RunMany(runs, options.Errors, progress).Select(m => m.Average(v => (double)v)).ToArray();

        double empty = means[0];
        var rows = new List<ThresholdScores>();
        for (int t = 0; t < options.Thresholds.Count; t++)
        {
            var (circuitAt, complementAt) = circuitRun[counts[t]];
            var random = options.RandomBaseline
                ? CircuitScores.Create(runs[randomRun[t]].NodeCount, means[randomRun[t]], means[randomRun[t] + 1], full, empty)
                : null;
            var row = new ThresholdScores(options.Thresholds[t], CircuitScores.Create(counts[t], means[circuitAt], means[complementAt], full, empty), random);
            rows.Add(row);
        }
        var run = new EvaluationRun(session.Examples, session.Positions, sites.Select(s => s.Name).ToArray(), shape.Size, options.Ablation,
            options.Errors, options.StartLayer, options.Seed, session.Counters, prepare, clock.Elapsed.TotalSeconds);
        return new EvaluationReport(full, empty, rows, run);
    }

    /// <summary>
    /// The circuit's sites that are evaluated: those of layers ≥ <paramref name="startLayer"/> (the embedding is
    /// layer −1), in forward order. Each must be a site of the model with a dictionary of as many features as the
    /// circuit has effects.
    /// </summary>
    /// <exception cref="SfcInputException">A site the model lacks, a missing dictionary, a feature-count mismatch, or no
    /// site left at <paramref name="startLayer"/>.</exception>
    public static IReadOnlyList<Site> EvaluatedSites(Transformer model, DictionarySet dictionaries, Circuit circuit, int startLayer)
    {
        try
        {
            circuit.Validate();
        }
        catch (ArgumentException e)
        {
            throw new SfcInputException($"the circuit is malformed: {e.Message}");
        }
        var sites = new List<Site>();
        foreach (var node in circuit.Nodes)
        {
            if (!Site.TryParse(node.Site, out var site))
                throw new SfcInputException($"the circuit's site '{node.Site}' is not a site name (expected e.g. embed, attn_0, mlp_0, resid_0)");
            site.ValidateFor(model.Config);
            if (!dictionaries.TryGetValue(site, out var dictionary))
                throw new SfcInputException($"the circuit's site {site} has no dictionary in {dictionaries.Source}");
            if (dictionary.Width != node.FeatureCount)
                throw new SfcInputException($"the circuit's site {site} has {node.FeatureCount} features; its dictionary ({dictionary.Info.Source}) has {dictionary.Width}");
            if (site.Layer >= startLayer) sites.Add(site);
        }
        if (sites.Count == 0)
            throw new SfcInputException($"--start-layer {startLayer}: no site of the circuit is at that layer or above");
        return sites.OrderBy(s => s.Order).ToArray();
    }
}
