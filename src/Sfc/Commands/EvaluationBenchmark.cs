using System.Diagnostics;
using SparseCircuits;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace Sfc.Commands;

/// <summary>
/// Times a full faithfulness sweep (F(M), F(∅), and F(C), F(M∖C) at each threshold) the way <c>sfc evaluate</c> runs
/// it, after loading. Without a circuit file it scores a synthetic aggregation-"none" circuit (see
/// <see cref="SyntheticCircuit"/>).
/// </summary>
internal sealed record EvaluationBenchmark(
    double LoadSeconds, EvaluationReport Report, string CircuitSource)
{
    public double TotalSeconds => Report.Run.PrepareSeconds + Report.Run.SweepSeconds;

    public static EvaluationBenchmark Measure(string modelPath, string dictionariesPath, string dataPath, string? circuitPath,
        int examples, int seed, EvaluationOptions options, string? writeCircuit = null)
    {
        var clock = Stopwatch.StartNew();
        var model = ModelLoader.Load(modelPath);
        var dictionaries = DictionarySet.Load(dictionariesPath, model.Config);
        var loaded = ExampleLoader.Load(dataPath, ExampleInputs.LoadTokenizer(modelPath, null), new ExampleLoadOptions
        {
            Count = examples,
            VocabSize = model.Config.VocabSize,
        });
        if (loaded.Examples.Count == 0) throw SfcInputException.ForFile(dataPath, $"no example passes the filters: {loaded.Report.Summary}");
        var circuit = circuitPath is null
            ? SyntheticCircuit(dictionaries, loaded.Examples[0].Length, seed)
            : CircuitReader.Read(circuitPath);
        if (writeCircuit is not null) CircuitWriter.Write(circuit, writeCircuit);
        double load = clock.Elapsed.TotalSeconds;
        var report = CircuitEvaluator.Sweep(model, dictionaries, circuit, loaded.Examples, options);
        return new EvaluationBenchmark(load, report, circuitPath ?? "synthetic (seeded heavy-tailed effects)");
    }

    /// <summary>
    /// A stand-in for a discovered aggregation-"none" circuit over every dictionary site, seeded: feature effects
    /// ±1/(N·U) with U uniform on (0, 1] and N the number of feature nodes, so that about 1/T features pass a
    /// threshold T (10⁴ at 10⁻⁴, a few at 1, like the paper's curves); error effects ±10^(−3U), log-uniform on
    /// [10⁻³, 1], so that every error node is in the circuit at small thresholds and few at large ones, as in real
    /// circuits where the error nodes carry large effects.
    /// </summary>
    public static Circuit SyntheticCircuit(DictionarySet dictionaries, int positions, int seed)
    {
        var rng = new Random(seed);
        long featureNodes = dictionaries.Values.Sum(d => (long)d.Width) * positions;
        var nodes = new List<NodeEffects>();
        foreach (var site in dictionaries.Sites)
        {
            int width = dictionaries[site].Width + 1;
            var effects = new float[positions * width];
            for (int p = 0; p < positions; p++)
            {
                for (int j = 0; j < width - 1; j++)
                    effects[p * width + j] = Sign(rng) * (float)(1.0 / (featureNodes * (1.0 - rng.NextDouble())));
                effects[p * width + width - 1] = Sign(rng) * (float)Math.Pow(10, -3 * rng.NextDouble());
            }
            nodes.Add(new NodeEffects(site.Name, Tensor.FromArray(effects, positions, width)));
        }
        var metadata = new CircuitMetadata
        {
            Model = "benchmark",
            Dictionaries = dictionaries.Source,
            Data = "benchmark",
            Method = CircuitVocabulary.IntegratedGradients,
            Steps = 10,
            Aggregation = CircuitVocabulary.None,
            NodeThreshold = 0.1,
            EdgeThreshold = 0.01,
            Examples = 0,
            Metric = new CircuitMetric(0, 0),
        };
        return new Circuit(metadata, nodes, []);
    }

    private static float Sign(Random rng) => rng.Next(2) == 0 ? -1f : 1f;
}
