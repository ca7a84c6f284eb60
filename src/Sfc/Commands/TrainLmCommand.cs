using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Models;
using SparseCircuits.Models.Saving;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Models.Tokenizers.WordLevel;
using SparseCircuits.Models.Training;
using SparseCircuits.Tensors.Formats;

namespace Sfc.Commands;

/// <summary>
/// <c>sfc train-lm (--corpus FILE | --generate N) --out DIR [--layers 2 --d-model 128 --heads 4 --context 32 --steps
/// --batch-size --lr --seed] [--eval FILE...]</c>: trains a GPT-2 from scratch on a one-sentence-per-line corpus and
/// writes a Hugging Face folder (config.json, model.safetensors, a WordLevel tokenizer.json, training.json); with
/// --eval, reports agreement accuracy on those data files. The vocabulary is every word the agreement generator can
/// write (so the paper's task words are always tokens) plus any other word of the corpus; there is no BOS token,
/// and training rows start at line starts, so prompts are read from their first word as in training.
/// </summary>
public static class TrainLmCommand
{
    public const string TrainingFileName = "training.json";

    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "Training text, one sentence (or document) per line" };
        var generate = new Option<int?>("--generate") { Description = "Train on N sentences of the agreement corpus generator instead" };
        var corpusSeed = new Option<int>("--corpus-seed") { Description = "Seed of the generated corpus (--generate)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Folder to write the model into", Required = true };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks", DefaultValueFactory = _ => 2 };
        var dModel = new Option<int>("--d-model") { Description = "Residual stream width", DefaultValueFactory = _ => 128 };
        var heads = new Option<int>("--heads") { Description = "Attention heads", DefaultValueFactory = _ => 4 };
        var dMlp = new Option<int?>("--d-mlp") { Description = "MLP width (default 4·d_model)" };
        var context = new Option<int>("--context") { Description = "Tokens per training row (= the model's positions)", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps", DefaultValueFactory = _ => 1500 };
        var batch = new Option<int>("--batch-size") { Description = "Rows per step", DefaultValueFactory = _ => 32 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (AdamW, warm-up then cosine)", DefaultValueFactory = _ => 3e-3f };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up steps", DefaultValueFactory = _ => 100 };
        var decay = new Option<float>("--weight-decay") { Description = "Weight decay of matrices and embeddings", DefaultValueFactory = _ => 0.01f };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and the row order", DefaultValueFactory = _ => 1 };
        var heldOut = new Option<int>("--held-out") { Description = "Last lines of the corpus kept out of training for a held-out loss", DefaultValueFactory = _ => 1000 };
        var eval = new Option<string[]>("--eval")
        {
            Description = "Agreement data files (JSON lines) to report accuracy on after training",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress and tables" };
        var command = new Command("train-lm", "Train a GPT-2 language model from scratch and write it as a Hugging Face folder.")
        {
            corpus, generate, corpusSeed, output, layers, dModel, heads, dMlp, context, steps, batch, lr, warmup, decay, seed, heldOut, eval, json,
        };

        command.SetAction(parse =>
        {
            var shape = new Gpt2Shape(parse.GetValue(layers), parse.GetValue(dModel), parse.GetValue(heads), parse.GetValue(context), parse.GetValue(dMlp)).Validate();
            var options = new LanguageModelTrainingOptions
            {
                Steps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                Context = shape.Context,
                LearningRate = parse.GetValue(lr),
                WarmupSteps = parse.GetValue(warmup),
                WeightDecay = parse.GetValue(decay),
                Seed = parse.GetValue(seed),
            }.Validate();
            int heldOutLines = parse.GetValue(heldOut);
            if (heldOutLines < 0) throw new SfcInputException($"--held-out: must be 0 or more, got {heldOutLines}");
            var evalFiles = parse.GetValue(eval) ?? [];
            foreach (var f in evalFiles)
                if (!File.Exists(f)) throw SfcInputException.ForFile(f, "--eval: no such data file");
            var outDir = parse.GetValue(output)!;
            if (File.Exists(outDir)) throw SfcInputException.ForFile(outDir, "--out names a file, not a folder");
            var (lines, corpusName) = ReadLines(parse.GetValue(corpus), parse.GetValue(generate), parse.GetValue(corpusSeed));

            Directory.CreateDirectory(outDir);
            var vocabulary = AgreementVocabulary.AllTokens.Union(CorpusWords.Distinct(lines), StringComparer.Ordinal).Order(StringComparer.Ordinal);
            var tokens = WordLevelTokenizerWriter.Write(Path.Combine(outDir, "tokenizer.json"), vocabulary);
            var tokenizer = TokenizerLoader.Load(Path.Combine(outDir, "tokenizer.json"));
            var (train, held) = LineAlignedCorpus.FromLines(lines, tokenizer).SplitTail(heldOutLines);
            var model = RandomWeights.Create(shape.ToConfig(tokens.Count, outDir), options.Seed);

            bool quiet = parse.GetValue(json);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            if (!console.Profile.Capabilities.Interactive) console.Profile.Width = Math.Max(console.Profile.Width, 120); // a file or pipe: one line per row
            if (!quiet)
                console.MarkupLine(Markup.Escape(FormattableString.Invariant(
                    $"GPT-2 {shape.Layers} layers, d_model {shape.DModel}, {shape.Heads} heads, vocabulary {tokens.Count}, context {shape.Context}; {train.Lines} lines ({train.Tokens} tokens) from {corpusName}, {held.Lines} held out.")));

            LanguageModelTrainingResult? result = null;
            var trainer = new LanguageModelTrainer(options);
            if (quiet) result = trainer.Train(model, train, held);
            else
            {
                console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("training", maxValue: options.Steps);
                        result = trainer.Train(model, train, held, new Inline<LanguageModelTrainingProgress>(p =>
                        {
                            task.Value = p.Step;
                            task.Description = Markup.Escape(FormattableString.Invariant($"step {p.Step}/{p.Steps}  loss {p.SmoothedLoss:F3}  lr {p.LearningRate:G3}"));
                        }));
                    });
            }

            var r = result!;
            Gpt2CheckpointWriter.Write(outDir, model);
            var accuracies = evalFiles.Select(f => (File: f, Measure: AgreementCommand.Measure(model, tokenizer, f))).ToList();
            WriteTrainingRecord(Path.Combine(outDir, TrainingFileName), shape, options, corpusName, train, held, r, accuracies);

            if (quiet)
            {
                parse.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new
                {
                    out_dir = outDir,
                    vocab_size = tokens.Count,
                    steps = r.Steps,
                    tokens = r.Tokens,
                    final_loss = r.FinalLoss,
                    held_out_loss = double.IsFinite(r.HeldOutLoss) ? r.HeldOutLoss : (double?)null,
                    seconds = r.Elapsed.TotalSeconds,
                    accuracy = accuracies.Select(a => AgreementCommand.ToJson(a.File, a.Measure)),
                }));
                return 0;
            }
            console.MarkupLine(Markup.Escape(FormattableString.Invariant(
                $"{r.Steps} steps, {r.Tokens} tokens in {r.Elapsed.TotalMinutes:F1} min; loss {r.FinalLoss:F4} (last tenth of the steps), held-out {r.HeldOutLoss:F4} nats/token.")));
            if (accuracies.Count > 0) console.Write(AgreementCommand.Table(accuracies));
            console.MarkupLine($"Wrote [bold]{Markup.Escape(Path.GetFullPath(outDir))}[/].");
            return 0;
        });
        return command;
    }

    private static (IReadOnlyList<string> Lines, string Name) ReadLines(string? corpusPath, int? generated, int corpusSeed)
    {
        if (corpusPath is not null && generated is not null) throw new SfcInputException("--corpus and --generate: give one, not both");
        if (generated is { } n)
        {
            if (n < 1) throw new SfcInputException($"--generate: must be at least 1 sentence, got {n}");
            return (new AgreementCorpusGenerator(corpusSeed).Sentences(n).ToList(), $"the agreement generator (seed {corpusSeed}, {n} sentences)");
        }
        if (corpusPath is null) throw new SfcInputException("give --corpus FILE or --generate N");
        if (!File.Exists(corpusPath)) throw SfcInputException.ForFile(corpusPath, "--corpus: no such file");
        var lines = File.ReadLines(corpusPath).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        if (lines.Count == 0) throw SfcInputException.ForFile(corpusPath, "--corpus: the file holds no text");
        return (lines, corpusPath);
    }

    private static void WriteTrainingRecord(string path, Gpt2Shape shape, LanguageModelTrainingOptions o, string corpus,
        LineAlignedCorpus train, LineAlignedCorpus held, LanguageModelTrainingResult r,
        IReadOnlyList<(string File, (SparseCircuits.Circuits.Metrics.AnswerAccuracyResult Result, SparseCircuits.Circuits.Data.LoadReport Report) Measure)> accuracies)
    {
        var record = new
        {
            shape = new { layers = shape.Layers, d_model = shape.DModel, heads = shape.Heads, d_mlp = shape.DMlp ?? 4 * shape.DModel, context = shape.Context },
            options = new
            {
                steps = o.Steps, batch_size = o.BatchSize, lr = o.LearningRate, warmup = o.WarmupSteps,
                final_lr_fraction = o.FinalLearningRateFraction, weight_decay = o.WeightDecay, max_grad_norm = o.MaxGradNorm, seed = o.Seed,
            },
            corpus,
            train_lines = train.Lines,
            train_tokens = train.Tokens,
            held_out_lines = held.Lines,
            tokens_seen = r.Tokens,
            final_loss = r.FinalLoss,
            held_out_loss = double.IsFinite(r.HeldOutLoss) ? r.HeldOutLoss : (double?)null,
            seconds = Math.Round(r.Elapsed.TotalSeconds, 1),
            accuracy = accuracies.Select(a => AgreementCommand.ToJson(a.File, a.Measure)),
        };
        AtomicFile.WriteText(path, w => w.Write(JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }) + "\n"));
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool).</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
