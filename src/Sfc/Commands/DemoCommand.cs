using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Sfc.Demo;
using SparseCircuits;
using SparseCircuits.Datasets.Agreement;

namespace Sfc.Commands;

/// <summary><c>sfc demo</c>: the paper's subject–verb agreement experiment on the bundled model, end to end.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder", DefaultValueFactory = _ => "demo-output" };
        var tasks = new Option<string>("--tasks") { Description = "Comma-separated tasks: simple, nounpp, rc, within_rc", DefaultValueFactory = _ => "simple,nounpp,rc,within_rc" };
        var train = new Option<int>("--examples") { Description = "Training examples per circuit", DefaultValueFactory = _ => 100 };
        var test = new Option<int>("--eval-examples") { Description = "Test examples per evaluation", DefaultValueFactory = _ => 40 };
        var steps = new Option<int>("--steps") { Description = "Integrated-gradient steps", DefaultValueFactory = _ => 10 };
        var root = new Option<string?>("--root") { Description = "Folder with models/ and data/ (default: found from the working directory)" };
        var dictionaries = new Option<string?>("--dictionaries") { Description = "Dictionary set folder to use instead of the bundled models/agreement-saes" };
        var cmd = new Command("demo", "Run the subject-verb agreement experiment end to end on the bundled model.")
        {
            output, tasks, train, test, steps, root, dictionaries,
        };
        cmd.SetAction(parse =>
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            int examples = parse.GetValue(train), evalExamples = parse.GetValue(test), igSteps = parse.GetValue(steps);
            if (examples < 1) throw new SfcInputException("--examples must be at least 1");
            if (evalExamples < 2) throw new SfcInputException("--eval-examples must be at least 2 (mean ablation averages over them)");
            if (igSteps < 1) throw new SfcInputException("--steps must be at least 1");
            var chosen = ParseTasks(parse.GetValue(tasks)!);
            string? dictionaryDir = parse.GetValue(dictionaries);
            if (dictionaryDir is not null && !Directory.Exists(dictionaryDir))
                throw new SfcInputException($"--dictionaries: folder '{dictionaryDir}' does not exist");
            var options = new DemoOptions
            {
                Root = BundledAgreementModel.Find(parse.GetValue(root)).Root,
                Out = parse.GetValue(output)!,
                Tasks = chosen,
                TrainExamples = examples,
                TestExamples = evalExamples,
                Steps = igSteps,
                Dictionaries = dictionaryDir,
            };
            Run(options, console);
            return 0;
        });
        return cmd;
    }

    public static IReadOnlyList<DemoTaskResult> Run(DemoOptions options, IAnsiConsole console)
    {
        var clock = Stopwatch.StartNew();
        var results = new DemoPipeline(options, console).Run();
        string summary = DemoSummary.Write(results, options);
        Summarize(console, results, options);
        console.MarkupLineInterpolated($"wrote {summary} and one folder per task under {options.Out} ({clock.Elapsed.TotalSeconds:F1}s in all)");
        return results;
    }

    private static void Summarize(IAnsiConsole console, IReadOnlyList<DemoTaskResult> results, DemoOptions options)
    {
        var table = new Table().Title($"circuits at T_N = {options.NodeThreshold}, T_E = {options.EdgeThreshold} (mean ablation)")
            .AddColumn("task").AddColumn("nodes").AddColumn("edges").AddColumn("faithfulness").AddColumn("without error nodes")
            .AddColumn("completeness").AddColumn("max faithfulness (nodes)").AddColumn("seconds");
        foreach (var r in results)
        {
            var best = r.Curve.Thresholds.MaxBy(t => t.Faithfulness)!;
            table.AddRow(r.Task, r.Nodes.ToString(), r.Edges.ToString(), $"{r.Faithfulness:F2}", $"{r.FaithfulnessWithoutErrors:F2}",
                $"{r.Completeness:F2}", $"{best.Faithfulness:F2} ({best.Nodes})", $"{r.Seconds:F1}");
        }
        console.Write(table);

        var features = new Table().Title("top resid features at the subject position: activation rate on singular vs plural subjects")
            .AddColumn("task").AddColumn("feature").AddColumn("effect").AddColumn("singular").AddColumn("plural");
        foreach (var r in results)
            foreach (var f in r.NumberFeatures)
                features.AddRow(r.Task, $"{f.Site}/{f.Feature}", $"{f.Effect:+0.000;-0.000}", $"{f.SingularRate:P0}", $"{f.PluralRate:P0}");
        console.Write(features);
    }

    private static IReadOnlyList<AgreementTask> ParseTasks(string text)
    {
        var byName = Enum.GetValues<AgreementTask>().ToDictionary(t => t.FileStem(), StringComparer.OrdinalIgnoreCase);
        var tasks = new List<AgreementTask>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!byName.TryGetValue(part, out var task))
                throw new SfcInputException($"--tasks: unknown task '{part}' (choose from {string.Join(", ", byName.Keys)})");
            if (!tasks.Contains(task)) tasks.Add(task);
        }
        if (tasks.Count == 0) throw new SfcInputException("--tasks: name at least one task");
        return tasks;
    }

}
