using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace Sfc.Commands;

/// <summary><c>sfc evaluate</c>: faithfulness and completeness of a circuit over a sweep of node thresholds
/// (algorithm §7), as a table, as JSON, and as a plot.</summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json + weights) or llama2.c .bin file", Required = true };
        var dictionaries = new Option<string>("--dictionaries") { Description = "Folder with one dictionary sub-folder per site (or 'neurons')", Required = true };
        var circuit = new Option<string>("--circuit") { Description = "circuit.json written by 'sfc circuit' (circuit.safetensors beside it)", Required = true };
        var data = new Option<string>("--data") { Description = "JSON-lines examples to evaluate on", Required = true };
        var examples = new Option<int>("--examples") { Description = "How many examples", DefaultValueFactory = _ => 100 };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per forward pass (memory only)", DefaultValueFactory = _ => 64 };
        var length = new Option<int?>("--length") { Description = "Keep only prompts of exactly this many tokens (default: the circuit's positions for aggregation 'none', else the shortest seen)" };
        var ablation = new Option<string>("--ablation") { Description = "mean | zero | resample", DefaultValueFactory = _ => "mean" };
        var handleErrors = new Option<string>("--handle-errors") { Description = "default | keep | remove | resid-only", DefaultValueFactory = _ => "default" };
        var startLayer = new Option<int>("--start-layer") { Description = "Ablate only layers >= L (embed is layer -1; -1 ablates everything)", DefaultValueFactory = _ => -1 };
        var thresholds = new Option<string?>("--thresholds") { Description = "Comma-separated node thresholds (default: 15 values logspace(-4, 0))" };
        var randomBaseline = new Option<bool>("--random-baseline") { Description = "Also score random circuits with as many nodes" };
        var json = new Option<bool>("--json") { Description = "Print {\"F_M\",\"F_empty\",\"thresholds\":[...]} instead of a table" };
        var plot = new Option<string?>("--plot") { Description = "Draw faithfulness and completeness against node count (.svg or .png, needs gnuplot)" };
        var seed = new Option<int>("--seed") { Description = "Seed of resampling and of the random baseline", DefaultValueFactory = _ => 0 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file or folder (default: the model folder)" };
        var cmd = new Command("evaluate", "Faithfulness and completeness of a circuit: run the model with the nodes outside (or inside) it ablated.")
        {
            model, dictionaries, circuit, data, examples, batchSize, length, ablation, handleErrors, startLayer, thresholds, randomBaseline, json, plot, seed, tokenizer,
        };
        cmd.SetAction(parse =>
        {
            var settings = new Settings(
                parse.GetValue(model)!, parse.GetValue(dictionaries)!, parse.GetValue(circuit)!, parse.GetValue(data)!,
                Positive(parse.GetValue(examples), "--examples"), Positive(parse.GetValue(batchSize), "--batch-size"), parse.GetValue(length),
                new EvaluationOptions
                {
                    Ablation = AblationKinds.Parse(parse.GetValue(ablation)!),
                    Errors = ErrorHandlings.Parse(parse.GetValue(handleErrors)!),
                    StartLayer = parse.GetValue(startLayer),
                    Thresholds = parse.GetValue(thresholds) is { } list ? EvaluationThresholds.Parse(list) : EvaluationThresholds.Default,
                    RandomBaseline = parse.GetValue(randomBaseline),
                    Seed = parse.GetValue(seed),
                    BatchSize = parse.GetValue(batchSize),
                },
                parse.GetValue(json), parse.GetValue(plot), parse.GetValue(tokenizer));
            Run(settings, parse.InvocationConfiguration.Output);
            return 0;
        });
        return cmd;
    }

    private sealed record Settings(string Model, string Dictionaries, string Circuit, string Data, int Examples, int BatchSize, int? Length,
        EvaluationOptions Options, bool Json, string? Plot, string? Tokenizer);

    private static void Run(Settings s, TextWriter output)
    {
        if (s.Length is < 1) throw new SfcInputException("--length must be at least 1");
        if (s.Options.StartLayer < -1) throw new SfcInputException($"--start-layer {s.Options.StartLayer}: must be -1 (everything) or a layer");
        if (s.Plot is { } plotPath)
        {
            // Fail before the work, not after it.
            if (!new[] { ".svg", ".png" }.Contains(Path.GetExtension(plotPath).ToLowerInvariant()))
                throw SfcInputException.ForFile(plotPath, $"--plot: unsupported format '{Path.GetExtension(plotPath)}' (use {FaithfulnessPlot.Supported})");
            if (!Gnuplot.IsInstalled) throw new SfcInputException(Gnuplot.MissingMessage);
            var folder = Path.GetDirectoryName(Path.GetFullPath(plotPath))!;
            if (!Directory.Exists(folder)) throw SfcInputException.ForFile(plotPath, $"--plot: folder {folder} does not exist");
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });

        var transformer = ModelLoader.Load(s.Model);
        var dicts = DictionarySet.Load(s.Dictionaries, transformer.Config);
        var circuit = CircuitReader.Read(s.Circuit);
        try
        {
            CircuitEvaluator.EvaluatedSites(transformer, dicts, circuit, s.Options.StartLayer);
        }
        catch (SfcInputException e)
        {
            throw SfcInputException.ForFile(s.Circuit, e.Message);
        }

        var examples = LoadExamples(s, transformer, circuit.PositionCount);
        if (!s.Json) console.MarkupLineInterpolated($"[bold]data[/]: {examples.Report.Summary}");

        EvaluationReport report;
        if (s.Json) report = CircuitEvaluator.Sweep(transformer, dicts, circuit, examples.Examples, s.Options);
        else
        {
            report = null!;
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"{s.Options.Thresholds.Count} thresholds", maxValue: 1);
                report = CircuitEvaluator.Sweep(transformer, dicts, circuit, examples.Examples, s.Options, fraction => task.Value = fraction);
                task.Value = 1;
            });
        }
        if (s.Plot is { } path) FaithfulnessPlot.Write(report, path);

        if (s.Json)
        {
            output.WriteLine(EvaluationJson.Serialize(report));
            return;
        }
        Summarize(console, report, s);
    }

    private static LoadedExamples LoadExamples(Settings s, Transformer transformer, int? circuitPositions)
    {
        if (circuitPositions is int positions && s.Length is int asked && asked != positions)
            throw SfcInputException.ForFile(s.Circuit, $"the circuit keeps effects per position for {positions} tokens (aggregation 'none'); --length {asked} differs");
        int? exact = s.Length ?? circuitPositions;
        var options = new ExampleLoadOptions
        {
            Count = s.Examples,
            VocabSize = transformer.Config.VocabSize,
            LengthPolicy = exact is int n ? new LengthPolicy.Exact(n) : new LengthPolicy.MinimumSeenSoFar(),
        };
        var tok = ExampleInputs.LoadTokenizer(s.Model, s.Tokenizer);
        var loaded = ExampleLoader.Load(s.Data, tok, options);
        if (loaded.Examples.Count == 0)
            throw SfcInputException.ForFile(s.Data, $"no example passes the filters{(exact is int e ? $" (prompts of exactly {e} tokens)" : "")}: {loaded.Report.Summary}");
        return loaded;
    }

    private static void Summarize(IAnsiConsole console, EvaluationReport report, Settings s)
    {
        var table = new Table().AddColumn("threshold").AddColumn("nodes").AddColumn("faithfulness").AddColumn("completeness");
        bool random = report.Thresholds.Any(t => t.Random is not null);
        if (random) table.AddColumn("random nodes").AddColumn("random faithf.").AddColumn("random compl.");
        foreach (var row in report.Thresholds)
        {
            var cells = new List<string> { Format(row.Threshold, "G3"), row.Nodes.ToString(CultureInfo.InvariantCulture), Format(row.Faithfulness, "F3"), Format(row.Completeness, "F3") };
            if (row.Random is { } r) cells.AddRange([r.Nodes.ToString(CultureInfo.InvariantCulture), Format(r.Faithfulness, "F3"), Format(r.Completeness, "F3")]);
            else if (random) cells.AddRange(["", "", ""]);
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        console.Write(table);
        var run = report.Run;
        console.MarkupLineInterpolated($"F(M) = {Format(report.FullModel, "F4")}, F(∅) = {Format(report.Empty, "F4")}; {run.Examples} examples of {run.Positions} tokens, {AblationKinds.Name(run.Ablation)} ablation, errors {ErrorHandlings.Name(run.Errors)}, {run.Sites.Count} sites from layer {run.StartLayer}");
        console.MarkupLineInterpolated($"timings: prepare {run.PrepareSeconds:F2}s, sweep {run.SweepSeconds:F2}s ({run.SplicedForwards} ablated runs in {run.Work.StackedForwards} stacked forward passes)");
        if (s.Plot is { } plot) console.MarkupLineInterpolated($"wrote {plot}");
    }

    private static string Format(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static int Positive(int value, string flag) =>
        value >= 1 ? value : throw new SfcInputException($"{flag} must be at least 1 (got {value})");
}
