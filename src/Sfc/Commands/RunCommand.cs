using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;

namespace Sfc.Commands;

/// <summary><c>sfc run</c>: next-token table, greedy continuation, or logits and NLL as JSON — a parity check on a model.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json + weights) or llama2.c .bin file", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Text to continue" };
        var ids = new Option<string?>("--ids") { Description = "Comma-separated token ids instead of a prompt" };
        var top = new Option<int>("--top") { Description = "How many next tokens to list", DefaultValueFactory = _ => 10 };
        var generate = new Option<int>("--generate") { Description = "Continue greedily for N tokens", DefaultValueFactory = _ => 0 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file or folder (default: the model folder)" };
        var bos = new Option<bool?>("--bos") { Description = "Prepend the BOS token (default: on for llama2.c models)" };
        var json = new Option<bool>("--json") { Description = "Print {\"tokens\",\"logits\",\"nll\"} as JSON" };
        var process = new Option<string>("--process-weights")
        {
            Description = "none (Hugging Face semantics) or tl (TransformerLens from_pretrained processing)",
            DefaultValueFactory = _ => "none",
        };
        var cmd = new Command("run", "Run a model on a prompt: most likely next tokens, greedy continuation, or JSON logits.")
        {
            model, prompt, ids, top, generate, tokenizer, bos, json, process,
        };
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var modelPath = parse.GetValue(model)!;
            var transformer = ModelLoader.Load(modelPath, ParseProcessing(parse.GetValue(process)!));
            bool isLlama2c = File.Exists(modelPath);
            ITokenizer? tok = null;
            string? tokPath = parse.GetValue(tokenizer) ?? (isLlama2c ? null : modelPath);
            if (tokPath is not null && (File.Exists(tokPath) || HasTokenizerFiles(tokPath))) tok = TokenizerLoader.Load(tokPath);
            bool addBos = parse.GetValue(bos) ?? isLlama2c;

            int[] tokens;
            if (parse.GetValue(ids) is { } idText)
                tokens = ParseIds(idText);
            else if (parse.GetValue(prompt) is { } text)
                tokens = (tok ?? throw new SfcInputException("--prompt needs a tokenizer: pass --tokenizer FILE (or use --ids)")).Encode(text, addBos);
            else
                throw new SfcInputException("give --prompt TEXT or --ids 1,2,3");
            if (tokens.Length == 0) throw new SfcInputException("--prompt: the text encodes to no tokens");

            if (parse.GetValue(json))
            {
                var logits = Inference.LastLogits(transformer, tokens);
                double? nll = tokens.Length > 1 ? Inference.MeanNextTokenNll(transformer, tokens) : null;
                output.WriteLine(JsonSerializer.Serialize(new { tokens, logits, nll }));
                return 0;
            }

            int n = parse.GetValue(generate);
            if (n > 0)
            {
                var added = Inference.Greedy(transformer, tokens, n, transformer.Config.EosTokenId);
                output.WriteLine(tok is null ? string.Join(",", tokens.Concat(added)) : tok.Decode(tokens.Concat(added).ToArray()));
                return 0;
            }

            var table = new Table().AddColumn("rank").AddColumn("id").AddColumn("token").AddColumn("logit").AddColumn("p");
            int rank = 1;
            foreach (var s in Inference.TopNext(transformer, tokens, Math.Max(1, parse.GetValue(top))))
                table.AddRow((rank++).ToString(), s.Id.ToString(), Markup.Escape(tok is null ? "" : Quote(tok.TokenText(s.Id))),
                    s.Logit.ToString("F3"), s.Probability.ToString("F4"));
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
            console.Write(table);
            return 0;
        });
        return cmd;
    }

    internal static WeightProcessingOptions ParseProcessing(string value) => value switch
    {
        "none" => WeightProcessingOptions.None,
        "tl" or "transformerlens" => WeightProcessingOptions.TransformerLens,
        _ => throw new SfcInputException($"--process-weights: '{value}' is not one of none, tl"),
    };

    private static bool HasTokenizerFiles(string folder) =>
        Directory.Exists(folder) && new[] { "tokenizer.json", "vocab.json", "encoder.json", "tokenizer.bin", "tok512.bin" }
            .Any(f => File.Exists(Path.Combine(folder, f)));

    private static string Quote(string token) => "'" + token.Replace("\n", "\\n") + "'";

    private static int[] ParseIds(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new SfcInputException($"--ids: '{text}' is not a comma-separated list of integers");
        }
    }
}
