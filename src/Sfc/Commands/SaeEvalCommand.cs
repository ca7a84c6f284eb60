using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Quality;
using SparseCircuits.Models;

namespace Sfc.Commands;

/// <summary>
/// <c>sfc sae-eval --model DIR --dictionaries DIR --corpus FILE [--json]</c>: per site L0, explained variance, MSE,
/// CE-loss recovered, dead and dense feature fractions (<see cref="SiteQuality"/>).
/// </summary>
public static class SaeEvalCommand
{
    public static Command Create()
    {
        var inputs = new CorpusInputs();
        var dictionaries = new Option<string>("--dictionaries") { Description = "Folder with one dictionary sub-folder per site (or one dictionary folder)", Required = true };
        var maxContexts = new Option<int?>("--max-contexts") { Description = "Evaluate on at most N contexts" };
        var dense = new Option<double>("--dense-threshold") { Description = "Dense: fires on more than this fraction of tokens", DefaultValueFactory = _ => 0.1 };
        var json = new Option<bool>("--json") { Description = "Print {\"sites\":[...]} as JSON" };
        var command = new Command("sae-eval", "Measure dictionaries: L0, explained variance, MSE, CE-loss recovered, dead and dense features.")
        {
            dictionaries, maxContexts, dense, json,
        };
        inputs.AddTo(command);

        command.SetAction(parse =>
        {
            var corpusPaths = inputs.CorpusPaths(parse);
            if (parse.GetValue(maxContexts) is < 1) throw new SfcInputException("--max-contexts: must be at least 1");
            double denseThreshold = parse.GetValue(dense);
            if (denseThreshold is < 0 or > 1) throw new SfcInputException($"--dense-threshold: must lie in [0, 1], got {denseThreshold}");
            var model = ModelLoader.Load(parse.GetValue(inputs.Model)!);
            var set = DictionarySet.Load(parse.GetValue(dictionaries)!, model.Config);
            var tokenizer = inputs.LoadTokenizer(parse);
            var options = new SaeEvalOptions
            {
                ContextLength = parse.GetValue(inputs.Context),
                MaxContexts = parse.GetValue(maxContexts),
                DenseThreshold = denseThreshold,
            };
            bool quiet = parse.GetValue(json);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            if (!console.Profile.Capabilities.Interactive) console.Profile.Width = Math.Max(console.Profile.Width, 140); // a file or pipe: keep the table on one line per site

            IReadOnlyList<SiteQuality> results = [];
            void Run(Action<int>? evaluated, Action<int>? total)
            {
                var contexts = inputs.Contexts(parse, model, corpusPaths, tokenizer);
                total?.Invoke(Math.Min(contexts.Count, options.MaxContexts ?? int.MaxValue));
                results = SaeEvaluator.Evaluate(model, set, contexts, options, evaluated is null ? null : new Inline(evaluated));
            }

            if (quiet) Run(null, null);
            else
            {
                console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var evaluating = ctx.AddTask("evaluating", maxValue: 1);
                        Run(n => evaluating.Value = n, n => evaluating.MaxValue = n);
                    });
            }

            var output = parse.InvocationConfiguration.Output;
            if (quiet)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    sites = results.Select(r => new
                    {
                        site = r.Site,
                        l0 = r.L0,
                        explained_variance = r.ExplainedVariance,
                        mse = r.Mse,
                        ce_loss_recovered = Finite(r.CeLossRecovered),
                        dead_fraction = r.DeadFraction,
                        dense_fraction = r.DenseFraction,
                    }),
                }));
                return 0;
            }

            var table = new Table();
            foreach (var column in new[] { "site", "width", "L0", "L0 %", "EV", "MSE", "CE clean", "CE spliced", "CE zero", "CE recovered", "dead", "dense" })
                table.AddColumn(new TableColumn(column).RightAligned());
            foreach (var r in results)
                table.AddRow(Markup.Escape(r.Site), r.Width.ToString(CultureInfo.InvariantCulture), F(r.L0, "F2"), F(100 * r.L0 / r.Width, "F2"),
                    F(r.ExplainedVariance, "F4"), F(r.Mse, "G4"), F(r.CeClean, "F4"), F(r.CeSpliced, "F4"), F(r.CeZero, "F4"),
                    F(r.CeLossRecovered, "F4"), F(r.DeadFraction, "P1"), F(r.DenseFraction, "P1"));
            console.Write(table);
            long tokens = results.Count > 0 ? results[0].Tokens : 0;
            console.MarkupLine(Markup.Escape(FormattableString.Invariant(
                $"{tokens} tokens; CE in nats per predicted token; dense = fires on more than {denseThreshold:P0} of tokens.")));
            return 0;
        });
        return command;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>JSON has no NaN: CE-loss recovered is null when zero-ablating the site does not change the loss.</summary>
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
