using System.Text.Json;
using System.Text.Json.Nodes;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Saves a trained dictionary as a SAELens folder (<see cref="SaeLensFormat.Write"/>): weights in raw activation units
/// (the training scale already folded in, so <c>normalize_activations</c> stays "none"), and cfg.json extended with a
/// <c>"training"</c> object that records every setting and the closing statistics. SAELens and this project's reader
/// ignore the extra object.
/// </summary>
public static class TrainedDictionaryWriter
{
    public const string TrainingKey = "training";

    public static void Write(string folder, SaeTrainingResult result, TrainingProvenance provenance)
    {
        var dictionary = result.Parameters.ToDictionary();
        SaeLensFormat.Write(folder, dictionary, new SaeLensMetadata(
            ModelName: provenance.Model,
            DatasetPath: string.Join(';', provenance.Corpus),
            ContextSize: provenance.ContextSize,
            PrependBos: provenance.PrependBos));

        var cfgPath = Path.Combine(folder, SaeLensFormat.ConfigFile);
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        cfg[TrainingKey] = Record(result, provenance);
        AtomicFile.Write(cfgPath, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            cfg.WriteTo(json);
        });
    }

    private static JsonObject Record(SaeTrainingResult r, TrainingProvenance p)
    {
        var o = r.Options;
        var sae = r.Parameters;
        return new JsonObject
        {
            ["trainer"] = "SparseCircuits SaeTrainer",
            ["model"] = p.Model,
            ["site"] = sae.Info.InputSite.Name,
            ["out_site"] = sae.Info.OutputSite.Name,
            ["corpus"] = new JsonArray(p.Corpus.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
            ["generated_sequences"] = p.GeneratedSequences,
            ["context_size"] = p.ContextSize,
            ["buffer_rows"] = p.BufferRows,
            ["architecture"] = o.Architecture.CliName(),
            ["width"] = o.Width,
            ["k"] = o.Architecture == SaeArchitecture.TopK ? o.K : null,
            ["sparsity_coefficient"] = o.Architecture == SaeArchitecture.TopK ? null : o.SparsityCoefficient,
            ["sparsity_penalty"] = o.Architecture switch
            {
                SaeArchitecture.Relu => "l1 (unit-norm decoder rows)",
                SaeArchitecture.JumpRelu => "l0 (straight-through, rectangle kernel)",
                _ => null,
            },
            ["tokens"] = r.Tokens,
            ["steps"] = r.Steps,
            ["batch_size"] = o.BatchSize,
            ["lr"] = o.LearningRate,
            ["adam_betas"] = new JsonArray(o.Beta1, o.Beta2),
            ["max_grad_norm"] = o.MaxGradNorm,
            ["warmup_fraction"] = o.WarmupFraction,
            ["decay_fraction"] = o.DecayFraction,
            ["sparsity_warmup_fraction"] = o.SparsityWarmupFraction,
            ["dead_feature_policy"] = o.EffectiveDeadFeatures.ToString().ToLowerInvariant(),
            ["dead_after_tokens"] = o.EffectiveDeadAfterTokens,
            ["aux_k"] = o.EffectiveDeadFeatures == DeadFeaturePolicy.AuxK ? o.AuxK ?? sae.OutputDim / 2 : null,
            ["aux_k_coefficient"] = o.EffectiveDeadFeatures == DeadFeaturePolicy.AuxK ? o.AuxKCoefficient : null,
            ["resamplings"] = o.EffectiveDeadFeatures == DeadFeaturePolicy.Resample ? o.Resamplings : null,
            ["jumprelu_bandwidth"] = o.Architecture == SaeArchitecture.JumpRelu ? o.JumpReluBandwidth : null,
            ["jumprelu_initial_threshold"] = o.Architecture == SaeArchitecture.JumpRelu ? o.JumpReluInitialThreshold : null,
            ["seed"] = o.Seed,
            ["input_scale"] = r.InputScale,
            ["output_scale"] = r.OutputScale,
            ["scale_folded_into_weights"] = true,
            ["final_loss"] = r.FinalLoss,
            ["final_l0"] = r.FinalL0,
            ["final_explained_variance"] = r.FinalExplainedVariance,
            ["dead_features"] = r.DeadFeatures,
            ["resampled_features"] = r.ResampledFeatures,
        };
    }
}
