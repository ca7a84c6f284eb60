using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;

namespace Sfc.Commands;

/// <summary>
/// <c>sfc train-sae --model DIR --site S [--out-site S2] --corpus FILE... --arch relu|topk|jumprelu --width F
/// [--k K | --l1 λ] --tokens N --out DIR</c>: trains a dictionary on activations streamed from the model over the corpus
/// and writes it as a SAELens folder whose cfg.json records the model, sites and training settings.
/// </summary>
public static class TrainSaeCommand
{
    public static Command Create()
    {
        var inputs = new CorpusInputs();
        var site = new Option<string>("--site") { Description = "Site to read (e.g. resid_2 or blocks.2.hook_resid_post)", Required = true };
        var outSite = new Option<string?>("--out-site") { Description = "Site to reconstruct, for a transcoder (e.g. mlp_2 with --site mlp_in_2)" };
        var arch = new Option<string>("--arch") { Description = "relu, topk or jumprelu", DefaultValueFactory = _ => "topk" };
        var width = new Option<int>("--width") { Description = "Number of features F", Required = true };
        var k = new Option<int?>("--k") { Description = "Active features per token (topk)" };
        var l1 = new Option<float?>("--l1") { Description = "Sparsity coefficient λ: L1 for relu (default 1), L0 for jumprelu (default 1)" };
        var tokens = new Option<long>("--tokens") { Description = "Activation rows to train on", DefaultValueFactory = _ => 1_000_000 };
        var output = new Option<string>("--out") { Description = "Folder to write cfg.json + sae_weights.safetensors into", Required = true };
        var batch = new Option<int>("--batch-size") { Description = "Rows per optimiser step", DefaultValueFactory = _ => 4096 };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (AdamW)", DefaultValueFactory = _ => 3e-3f };
        var buffer = new Option<int>("--buffer") { Description = "Rows in the shuffle buffer", DefaultValueFactory = _ => 1 << 16 };
        var dead = new Option<string?>("--dead-features") { Description = "auxk, resample or none (default: auxk for topk, resample otherwise)" };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, data order and resampling", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of progress and a table" };
        var command = new Command("train-sae", "Train a sparse autoencoder (or transcoder) on a model's activations.")
        {
            site, outSite, arch, width, k, l1, tokens, output, batch, lr, buffer, dead, seed, json,
        };
        inputs.AddTo(command);

        command.SetAction(parse =>
        {
            var architecture = SaeArchitectureNames.Parse(parse.GetValue(arch)!);
            var inputSite = Site.Parse(parse.GetValue(site)!);
            var outputSite = parse.GetValue(outSite) is { } o ? Site.Parse(o) : inputSite;
            if (outputSite != inputSite && architecture == SaeArchitecture.TopK)
                throw new SfcInputException("--out-site: SAELens has no TopK transcoder format; train a relu or jumprelu transcoder");
            var options = new SaeTrainingOptions
            {
                Architecture = architecture,
                Width = parse.GetValue(width),
                K = parse.GetValue(k) ?? 0,
                SparsityCoefficient = parse.GetValue(l1) ?? 1f,
                Tokens = parse.GetValue(tokens),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Seed = parse.GetValue(seed),
                DeadFeatures = ParseDeadPolicy(parse.GetValue(dead)),
            };
            if (architecture == SaeArchitecture.TopK && parse.GetValue(l1) is not null)
                throw new SfcInputException("--l1: topk dictionaries take --k, not --l1");
            if (architecture != SaeArchitecture.TopK && parse.GetValue(k) is not null)
                throw new SfcInputException($"--k: only topk dictionaries take --k ({architecture.CliName()} takes --l1)");
            options.Validate();
            var outDir = parse.GetValue(output)!;
            if (File.Exists(outDir)) throw SfcInputException.ForFile(outDir, "--out names a file, not a folder");
            var corpusPaths = inputs.CorpusPaths(parse);
            int bufferRows = parse.GetValue(buffer);
            if (bufferRows < 1) throw new SfcInputException($"--buffer: must be positive, got {bufferRows}");

            var modelPath = parse.GetValue(inputs.Model)!;
            var model = ModelLoader.Load(modelPath);
            inputSite.ValidateFor(model.Config);
            outputSite.ValidateFor(model.Config);
            if (outputSite.Order < inputSite.Order)
                throw new SfcInputException($"--out-site: a transcoder reads {inputSite} and reconstructs a later site, not {outputSite}");
            var tokenizer = inputs.LoadTokenizer(parse);

            bool quiet = parse.GetValue(json);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            var info = new DictionaryInfo(architecture.CliName(), inputSite, outputSite, outDir);
            var provenance = new TrainingProvenance(modelPath, corpusPaths, parse.GetValue(inputs.Context), tokenizer?.BosId is not null, bufferRows);

            SaeTrainingResult? result = null;
            void Run(Action<SaeTrainingProgress>? trained)
            {
                var contexts = inputs.Contexts(parse, model, corpusPaths, tokenizer);
                var source = new ModelActivationSource(model, inputSite, outputSite, contexts, new ModelActivationSourceOptions
                {
                    BufferRows = Math.Max(bufferRows, options.BatchSize + 16 * contexts[0].Length),
                    Seed = options.Seed,
                });
                result = new SaeTrainer(options).Train(source, info, trained is null ? null : new Inline<SaeTrainingProgress>(trained));
            }

            if (quiet) Run(null);
            else
            {
                console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var training = ctx.AddTask($"training {Markup.Escape(inputSite.Name)}", maxValue: options.Steps);
                        Run(p =>
                        {
                            training.Value = p.Step;
                            training.Description = Markup.Escape(FormattableString.Invariant(
                                $"{inputSite.Name}  loss {p.Loss:F3}  L0 {p.L0:F1}  EV {p.ExplainedVariance:F3}  dead {p.DeadFeatures}"));
                        });
                    });
            }

            var r = result!;
            Directory.CreateDirectory(outDir);
            TrainedDictionaryWriter.Write(outDir, r, provenance);
            var writer = parse.InvocationConfiguration.Output;
            if (quiet)
            {
                writer.WriteLine(JsonSerializer.Serialize(new
                {
                    out_dir = outDir,
                    site = inputSite.Name,
                    out_site = outputSite.Name,
                    arch = architecture.CliName(),
                    width = options.Width,
                    steps = r.Steps,
                    tokens = r.Tokens,
                    loss = r.FinalLoss,
                    l0 = r.FinalL0,
                    explained_variance = r.FinalExplainedVariance,
                    dead_features = r.DeadFeatures,
                    input_scale = r.InputScale,
                }));
            }
            else
            {
                var table = new Table().AddColumn("site").AddColumn("arch").AddColumn("width").AddColumn("tokens")
                    .AddColumn("L0").AddColumn("EV").AddColumn("dead");
                table.AddRow(Markup.Escape(inputSite == outputSite ? inputSite.Name : $"{inputSite.Name} → {outputSite.Name}"),
                    architecture.CliName(), options.Width.ToString(CultureInfo.InvariantCulture), r.Tokens.ToString(CultureInfo.InvariantCulture),
                    r.FinalL0.ToString("F1", CultureInfo.InvariantCulture), r.FinalExplainedVariance.ToString("F3", CultureInfo.InvariantCulture),
                    r.DeadFeatures.ToString(CultureInfo.InvariantCulture));
                console.Write(table);
                console.MarkupLine($"Wrote [bold]{Markup.Escape(Path.GetFullPath(outDir))}[/] (L0 and EV are means over the last training batches).");
            }
            return 0;
        });
        return command;
    }

    private static DeadFeaturePolicy? ParseDeadPolicy(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null => null,
        "auxk" => DeadFeaturePolicy.AuxK,
        "resample" => DeadFeaturePolicy.Resample,
        "none" => DeadFeaturePolicy.None,
        _ => throw new SfcInputException($"--dead-features: '{text}' is not auxk, resample or none"),
    };

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool).</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
