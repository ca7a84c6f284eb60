using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Formats;

namespace Sfc.Commands;

/// <summary>
/// <c>sfc sample --model DIR --sequences N --length L --out FILE.jsonl [--temperature T] [--seed S]</c>: text the model
/// writes itself, as JSON lines of token ids (<c>{"ids":[...]}</c>), a corpus for train-sae and sae-eval. Sequences
/// start at BOS (EOS for models without one) and are sampled to the full length.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json + weights) or llama2.c .bin file", Required = true };
        var sequences = new Option<int>("--sequences") { Description = "Number of sequences", Required = true };
        var length = new Option<int>("--length") { Description = "Tokens per sequence, the start token included", DefaultValueFactory = _ => 128 };
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampler", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "JSON-lines file to write", Required = true };
        var command = new Command("sample", "Sample token sequences from a model (a corpus of the model's own text, as JSON lines of ids).")
        {
            model, sequences, length, temperature, seed, output,
        };
        command.SetAction(parse =>
        {
            int count = parse.GetValue(sequences);
            if (count < 1) throw new SfcInputException($"--sequences: must be at least 1, got {count}");
            float t = parse.GetValue(temperature);
            if (!(t > 0)) throw new SfcInputException($"--temperature: must be positive, got {t}");
            var outPath = parse.GetValue(output)!;
            var transformer = ModelLoader.Load(parse.GetValue(model)!);
            int start = transformer.Config.BosTokenId ?? transformer.Config.EosTokenId
                ?? throw new SfcInputException("--model: the model has neither a BOS nor an EOS token to start sampling from");
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            int[][] result = [];
            console.Progress().Start(ctx =>
            {
                var task = ctx.AddTask("sampling", maxValue: count);
                result = ModelTextSampler.Sample(transformer, count, parse.GetValue(length), [start], t, parse.GetValue(seed),
                    progress: new Inline(n => task.Value = n));
            });
            AtomicFile.WriteText(outPath, writer =>
            {
                foreach (var ids in result) writer.WriteLine(JsonSerializer.Serialize(new { ids }));
            });
            console.MarkupLine($"Wrote {count} sequences of {parse.GetValue(length)} tokens to [bold]{Markup.Escape(Path.GetFullPath(outPath))}[/].");
            return 0;
        });
        return command;
    }

    private sealed class Inline(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
