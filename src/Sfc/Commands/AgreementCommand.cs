using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;

namespace Sfc.Commands;

/// <summary>
/// <c>sfc agreement --model DIR --data FILE... [--tokenizer T] [--json]</c>: agreement accuracy per data file — the
/// fraction of examples whose clean answer has the higher logit after the clean prompt (and the same for patch prompts).
/// </summary>
public static class AgreementCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json + weights)", Required = true };
        var data = new Option<string[]>("--data")
        {
            Description = "JSON-lines data files (clean_prefix, patch_prefix, clean_answer, patch_answer)",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file or folder (default: the model folder)" };
        var json = new Option<bool>("--json") { Description = "Print {\"results\":[...]} as JSON" };
        var command = new Command("agreement", "Agreement accuracy: how often the right verb form gets the higher logit.")
        {
            model, data, tokenizer, json,
        };
        command.SetAction(parse =>
        {
            var files = parse.GetValue(data) ?? [];
            if (files.Length == 0) throw new SfcInputException("--data: give at least one data file");
            foreach (var f in files)
                if (!File.Exists(f)) throw SfcInputException.ForFile(f, "--data: no such data file");
            var modelPath = parse.GetValue(model)!;
            var transformer = ModelLoader.Load(modelPath);
            var tokPath = parse.GetValue(tokenizer) ?? (Directory.Exists(modelPath) ? modelPath : null);
            var tok = tokPath is null ? null : TokenizerLoader.Load(tokPath);
            var results = files.Select(f => (File: f, Measure: Measure(transformer, tok, f))).ToList();

            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new { results = results.Select(r => ToJson(r.File, r.Measure)) }));
                return 0;
            }
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            if (!console.Profile.Capabilities.Interactive) console.Profile.Width = Math.Max(console.Profile.Width, 120);
            console.Write(Table(results));
            return 0;
        });
        return command;
    }

    internal static (AnswerAccuracyResult Result, LoadReport Report) Measure(Transformer model, ITokenizer? tokenizer, string file) =>
        AnswerAccuracy.MeasureFile(model, tokenizer, file);

    internal static object ToJson(string file, (AnswerAccuracyResult Result, LoadReport Report) m) => new
    {
        data = file,
        examples = m.Result.Examples,
        correct = m.Result.Correct,
        accuracy = m.Result.Accuracy,
        patch_accuracy = m.Result.PatchAccuracy,
        dropped = m.Report.Lines - m.Report.Kept,
        cases = m.Result.ByCase.ToDictionary(c => c.Key, c => new { examples = c.Value.Examples, accuracy = (double)c.Value.Correct / c.Value.Examples }),
    };

    internal static Table Table(IEnumerable<(string File, (AnswerAccuracyResult Result, LoadReport Report) Measure)> results)
    {
        var table = new Table();
        foreach (var column in new[] { "data", "examples", "accuracy", "patch prompts", "worst case" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var (file, (r, report)) in results)
        {
            var worst = r.ByCase.OrderBy(c => (double)c.Value.Correct / c.Value.Examples).First();
            string dropped = report.Kept < report.Lines ? $" ({report.Lines - report.Kept} dropped)" : "";
            table.AddRow(Markup.Escape(file), r.Examples.ToString(CultureInfo.InvariantCulture) + dropped, Percent(r.Accuracy), Percent(r.PatchAccuracy),
                Markup.Escape($"{(worst.Key.Length == 0 ? "-" : worst.Key)} {Percent((double)worst.Value.Correct / worst.Value.Examples)}"));
        }
        return table;
    }

    private static string Percent(double v) => v.ToString("P1", CultureInfo.InvariantCulture);
}
