using System.Diagnostics;
using Spectre.Console;
using Sfc.Commands;
using SparseCircuits;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Discovery;
using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Circuits.Plotting;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;

namespace Sfc.Demo;

/// <summary>
/// The paper's subject–verb agreement experiment on the bundled model, task by task:
/// 1. load the task's training and test prompts;
/// 2. find the circuit (IG nodes and edges, aggregation "none") and write circuit.json + circuit.safetensors;
/// 3. draw it (Graphviz);
/// 4. sweep faithfulness/completeness with and without error nodes, and draw the curves (gnuplot);
/// 5. measure how the top resid features at the subject position fire on singular vs plural subjects.
/// </summary>
public sealed class DemoPipeline(DemoOptions options, IAnsiConsole console)
{
    public IReadOnlyList<DemoTaskResult> Run()
    {
        var clock = Stopwatch.StartNew();
        var model = ModelLoader.Load(options.ModelDir);
        var tokenizer = TokenizerLoader.Load(options.ModelDir);
        var dictionaries = DictionarySet.Load(options.DictionaryDir, model.Config);
        console.MarkupLineInterpolated($"[bold]model[/] {options.ModelDir}: {model.Config.Layers} layers, d_model {model.Config.DModel}; {dictionaries.Count} dictionaries ({clock.Elapsed.TotalSeconds:F1}s)");
        Directory.CreateDirectory(options.Out);
        var results = new List<DemoTaskResult>();
        foreach (var task in options.Tasks) results.Add(RunTask(task, model, tokenizer, dictionaries));
        return results;
    }

    private DemoTaskResult RunTask(AgreementTask task, Transformer model, ITokenizer tokenizer, DictionarySet dictionaries)
    {
        var clock = Stopwatch.StartNew();
        string name = task.FileStem();
        console.Write(new Rule($"[bold]{name}[/]").LeftJustified());
        string folder = Path.Combine(options.Out, name);
        Directory.CreateDirectory(folder);

        // 1. Data: equal-length prompts, as aggregation "none" and per-position masks need.
        var train = Load(options.TrainData(task), tokenizer, model, options.TrainExamples);
        var test = Load(options.TestData(task), tokenizer, model, options.TestExamples);
        if (test.Length != train.Length)
            throw SfcInputException.ForFile(options.TestData(task), $"test prompts have {test.Length} tokens but training prompts {train.Length}");

        // 2. Circuit discovery.
        var discovery = new DiscoveryOptions
        {
            Attribution = new AttributionOptions { Method = AttributionMethod.IntegratedGradients, Steps = options.Steps },
            Aggregation = NodeAggregation.None,
            NodeThreshold = options.NodeThreshold,
            EdgeThreshold = options.EdgeThreshold,
        };
        var found = DiscoveryProgress.Show(console, "ig", p => CircuitDiscovery.Discover(model, dictionaries, train.Examples, discovery, p));
        var circuit = found.ToCircuit(BundledAgreementModel.ModelPath, options.DictionaryLabel, Relative(options.TrainData(task)),
            train.Examples[0].CleanIds.Select(tokenizer.TokenText).ToArray());
        string circuitPath = Path.Combine(folder, "circuit.json");
        CircuitWriter.Write(circuit, circuitPath);

        // 3. Circuit plot, of its strongest nodes and edges.
        string circuitPlot = Path.Combine(folder, "circuit.svg");
        var drawing = ReadablePlotThresholds.For(circuit);
        CircuitPlot.Render(circuit, drawing, circuitPlot);
        console.MarkupLineInterpolated($"[grey]drew {Relative(circuitPlot)} at T_N {drawing.NodeThreshold:G3}, T_E {drawing.EdgeThreshold:G3} (sfc plot {Relative(circuitPath)} redraws it at other thresholds)[/]");

        // 4. Faithfulness and completeness, with error nodes thresholded and with them all ablated.
        var thresholds = EvaluationThresholds.Default.Append(options.NodeThreshold).Distinct().Order().ToArray();
        var curve = Sweep(model, dictionaries, circuit, test.Examples, thresholds, ErrorHandling.Default, "evaluate");
        var withoutErrors = Sweep(model, dictionaries, circuit, test.Examples, thresholds, ErrorHandling.Remove, "evaluate (no error nodes)");
        string faithfulnessPlot = Path.Combine(folder, "faithfulness.svg");
        FaithfulnessPlot.Write(curve, faithfulnessPlot, $"{name}: features and error nodes");
        string withoutErrorsPlot = Path.Combine(folder, "faithfulness-without-errors.svg");
        FaithfulnessPlot.Write(withoutErrors, withoutErrorsPlot, $"{name}: features only (error nodes ablated)");

        // 5. Number selectivity of the top resid features at the subject position.
        var prompts = SubjectNumberPrompts.From(test.Examples, tokenizer);
        int subject = prompts.Count > 0 ? prompts[0].Position : train.Length!.Value - 1;
        var features = prompts.Count == 0 ? []
            : NumberSelectiveFeatures.Measure(model, dictionaries, circuit, prompts, subject, options.SelectivityFeatures);

        var atThreshold = curve.Thresholds.First(t => t.Threshold == options.NodeThreshold);
        var noErrorsAtThreshold = withoutErrors.Thresholds.First(t => t.Threshold == options.NodeThreshold);
        var result = new DemoTaskResult(name, found.Examples, test.Examples.Count, atThreshold.Nodes, circuit.Threshold().Edges.Count,
            atThreshold.Faithfulness, atThreshold.Completeness, noErrorsAtThreshold.Faithfulness, clock.Elapsed.TotalSeconds,
            curve, withoutErrors, subject, features,
            new Dictionary<string, string>
            {
                ["circuit"] = Relative(circuitPath, options.Out),
                ["circuit_plot"] = Relative(circuitPlot, options.Out),
                ["faithfulness_plot"] = Relative(faithfulnessPlot, options.Out),
                ["faithfulness_without_errors_plot"] = Relative(withoutErrorsPlot, options.Out),
            });
        console.MarkupLineInterpolated($"{name}: {result.Nodes} nodes, {result.Edges} edges at T_N = {options.NodeThreshold}; faithfulness {result.Faithfulness:F2} (without error nodes {result.FaithfulnessWithoutErrors:F2}), completeness {result.Completeness:F2}; {result.Seconds:F1}s");
        return result;
    }

    private LoadedExamples Load(string path, ITokenizer tokenizer, Transformer model, int count)
    {
        var loaded = ExampleLoader.Load(path, tokenizer, new ExampleLoadOptions { Count = count, VocabSize = model.Config.VocabSize });
        if (loaded.Examples.Count == 0 || loaded.Length is null)
            throw SfcInputException.ForFile(path, $"no equal-length examples ({loaded.Report.Summary})");
        console.MarkupLineInterpolated($"[grey]{Relative(path)}: {loaded.Report.Summary}[/]");
        return loaded;
    }

    private EvaluationReport Sweep(Transformer model, DictionarySet dictionaries, Circuit circuit, IReadOnlyList<PromptExample> examples,
        double[] thresholds, ErrorHandling errors, string title)
    {
        var evaluation = new EvaluationOptions { Thresholds = thresholds, Errors = errors };
        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask(title, maxValue: 1);
                return CircuitEvaluator.Sweep(model, dictionaries, circuit, examples, evaluation, fraction => bar.Value = fraction);
            });
    }

    private string Relative(string path) => Relative(path, options.Root);

    private static string Relative(string path, string root) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
