using System.Numerics.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;
using System.Text.Json;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>Descriptive fields written into a SAELens <c>cfg.json</c> (they do not affect the computation).</summary>
public sealed record SaeLensMetadata(string ModelName = "", string DatasetPath = "", int ContextSize = 128, bool PrependBos = true);

/// <summary>
/// SAELens folders: <c>cfg.json</c> + <c>sae_weights.safetensors</c> with <c>W_enc</c> [d_in, F], <c>b_enc</c> [F],
/// <c>W_dec</c> [F, d_out], <c>b_dec</c> [d_out], plus <c>threshold</c> (JumpReLU), <c>b_gate</c> / <c>r_mag</c> /
/// <c>b_mag</c> (gated, no <c>b_enc</c>) or <c>W_skip</c> [d_out, d_in] (skip transcoder). Float32 weights are
/// memory-mapped, not copied. The project's own dictionaries are written in this format.
/// </summary>
public static class SaeLensFormat
{
    public const string ConfigFile = "cfg.json";
    public const string WeightsFile = "sae_weights.safetensors";

    /// <summary>True when <paramref name="folder"/> holds a SAELens dictionary.</summary>
    public static bool IsSaeLensFolder(string folder) => File.Exists(Path.Combine(folder, ConfigFile));

    /// <summary>Reads the dictionary in <paramref name="folder"/>. Its site comes from the config's hook name unless
    /// <paramref name="site"/> is given.</summary>
    public static SparseAutoencoder Read(string folder, Site? site = null)
    {
        var cfg = SaeLensConfig.Read(Path.Combine(folder, ConfigFile));
        var weightsPath = Path.Combine(folder, WeightsFile);
        if (!File.Exists(weightsPath)) throw SfcInputException.ForFile(weightsPath, "file not found (a SAELens folder needs cfg.json and sae_weights.safetensors)");
        var outputSite = site ?? SiteOf(cfg, cfg.IsTranscoder ? cfg.HookNameOut : cfg.HookName, cfg.IsTranscoder ? "hook_name_out" : "hook_name");
        var inputSite = cfg.IsTranscoder ? SiteOf(cfg, cfg.HookName, "hook_name") : outputSite;
        var info = new DictionaryInfo(KindOf(cfg.Architecture), inputSite, outputSite, folder);

        using var file = SafetensorsFile.Open(weightsPath);
        var reader = new Reader(file, cfg);
        int din = cfg.DIn, f = cfg.DSae, dout = cfg.DOut;
        reader.RejectScalingFactor();
        var wEnc = reader.Get("W_enc", din, f);
        var wDec = reader.Get("W_dec", f, dout);
        var bDec = reader.Get("b_dec", dout);
        var centering = cfg.ApplyBDecToInput ? bDec : null;
        switch (cfg.Architecture)
        {
            case "gated":
                return new GatedSae(info, new SaeWeights(wEnc, true, null, wDec, bDec, centering),
                    reader.Get("b_gate", f), reader.Get("r_mag", f), reader.Get("b_mag", f));
            case "jumprelu" or "jumprelu_transcoder":
                return new JumpReluSae(info, new SaeWeights(wEnc, true, reader.Get("b_enc", f), wDec, bDec, centering), reader.Get("threshold", f));
            case "topk":
                return new TopKSae(info, new SaeWeights(wEnc, true, reader.Get("b_enc", f), wDec, bDec, centering), cfg.K);
            default:
                var skip = cfg.Architecture == "skip_transcoder" ? reader.Get("W_skip", dout, din) : null;
                return new ReluSae(info, new SaeWeights(wEnc, true, reader.Get("b_enc", f), wDec, bDec, centering, skip));
        }
    }

    /// <summary>
    /// Writes <paramref name="dictionary"/> into <paramref name="folder"/> (created if missing) as float32 SAELens files
    /// that SAELens before and after 6.0 both read (flat config, architecture and <c>k</c> spelt for both). Weights stored
    /// in nn.Linear layout are transposed; an input centring that is not b_dec (or any centring of a transcoder, which
    /// SAELens cannot express) is folded into the encoder biases. Each file is written atomically.
    /// </summary>
    public static void Write(string folder, SparseAutoencoder dictionary, SaeLensMetadata? metadata = null)
    {
        metadata ??= new SaeLensMetadata();
        Directory.CreateDirectory(folder);
        using var _ = Tape.NoGrad();
        var w = dictionary.Weights;
        bool transcoder = dictionary.Info.IsTranscoder || w.InputDim != w.OutputDim;
        bool applyBDec = !transcoder && w.InputCentering is { } c && (ReferenceEquals(c, w.DecoderBias) || c.Span.SequenceEqual(w.DecoderBias.Span));
        // Folding: (x − c)·W + b = x·W + (b − c·W).
        var shift = w.InputCentering is { } centre && !applyBDec ? CentreTimesEncoder(centre, w) : null;

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["W_enc"] = w.EncoderIsInOut ? w.EncoderWeight : BlockedTranspose.Transpose(w.EncoderWeight),
            ["W_dec"] = w.DecoderWeight,
            ["b_dec"] = w.DecoderBias,
        };
        string architecture;
        int k = 0;
        switch (dictionary)
        {
            case GatedSae gated:
                architecture = "gated";
                tensors["b_gate"] = Shifted(gated.GateBias, shift, null);
                tensors["r_mag"] = gated.MagnitudeLogScale;
                tensors["b_mag"] = Shifted(gated.MagnitudeBias, shift, gated.MagnitudeLogScale);
                break;
            case JumpReluSae jump:
                architecture = transcoder ? "jumprelu_transcoder" : "jumprelu";
                tensors["threshold"] = jump.Threshold;
                break;
            case TopKSae topk:
                if (transcoder) throw new ArgumentException("SAELens has no TopK transcoder architecture.");
                architecture = "topk";
                k = topk.K;
                break;
            case ReluSae:
                architecture = !transcoder ? "standard" : w.SkipWeight is null ? "transcoder" : "skip_transcoder";
                break;
            default:
                throw new ArgumentException($"No SAELens architecture for {dictionary.GetType().Name}.");
        }
        if (dictionary is not GatedSae) tensors["b_enc"] = Shifted(w.EncoderBias ?? Tensor.Zeros(w.Width), shift, null);
        if (w.SkipWeight is { } skip)
        {
            if (architecture != "skip_transcoder") throw new ArgumentException($"SAELens {architecture} dictionaries have no skip connection.");
            tensors["W_skip"] = skip;
        }

        SafetensorsWriter.Write(Path.Combine(folder, WeightsFile), tensors);
        AtomicFile.Write(Path.Combine(folder, ConfigFile), stream => WriteConfig(stream, dictionary, architecture, k, applyBDec, transcoder, metadata));
    }

    private static void WriteConfig(Stream stream, SparseAutoencoder d, string architecture, int k, bool applyBDec, bool transcoder, SaeLensMetadata meta)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var input = d.Info.InputSite;
        var output = d.Info.OutputSite;
        json.WriteStartObject();
        json.WriteString("architecture", architecture);
        json.WriteNumber("d_in", d.InputDim);
        json.WriteNumber("d_sae", d.Width);
        if (transcoder) json.WriteNumber("d_out", d.OutputDim);
        json.WriteString("dtype", "float32");
        json.WriteString("device", "cpu");
        json.WriteString("model_name", meta.ModelName);
        json.WriteString("hook_name", input.HookName);
        json.WriteNumber("hook_layer", Math.Max(0, input.Layer));
        json.WriteNull("hook_head_index");
        if (transcoder)
        {
            json.WriteString("hook_name_out", output.HookName);
            json.WriteNumber("hook_layer_out", Math.Max(0, output.Layer));
            json.WriteNull("hook_head_index_out");
        }
        json.WriteString("activation_fn_str", k > 0 ? "topk" : "relu");
        json.WriteStartObject("activation_fn_kwargs");
        if (k > 0) json.WriteNumber("k", k);
        json.WriteEndObject();
        if (k > 0) json.WriteNumber("k", k);
        json.WriteBoolean("apply_b_dec_to_input", applyBDec);
        json.WriteBoolean("finetuning_scaling_factor", false);
        json.WriteNull("sae_lens_training_version");
        json.WriteBoolean("prepend_bos", meta.PrependBos);
        json.WriteString("dataset_path", meta.DatasetPath);
        json.WriteBoolean("dataset_trust_remote_code", false);
        json.WriteNumber("context_size", meta.ContextSize);
        json.WriteString("normalize_activations", "none");
        json.WriteNull("neuronpedia_id");
        json.WriteStartObject("model_from_pretrained_kwargs");
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>c·W_enc [F] for a centring c [d_in].</summary>
    private static float[] CentreTimesEncoder(Tensor centre, SaeWeights w)
    {
        var shift = new float[w.Width];
        var enc = w.EncoderWeight.Read();
        var c = centre.Read();
        int f = w.Width, d = w.InputDim;
        for (int j = 0; j < f; j++)
        {
            double s = 0;
            for (int i = 0; i < d; i++) s += (double)c[i] * (w.EncoderIsInOut ? enc[i * f + j] : enc[j * d + i]);
            shift[j] = (float)s;
        }
        return shift;
    }

    /// <summary>bias − shift (⊙ exp(logScale) when given), or the bias itself when there is nothing to fold.</summary>
    private static Tensor Shifted(Tensor bias, float[]? shift, Tensor? logScale)
    {
        if (shift is null) return bias;
        var result = bias.Clone();
        var s = result.Span;
        var r = logScale is null ? default : logScale.Read();
        for (int j = 0; j < s.Length; j++) s[j] -= logScale is null ? shift[j] : shift[j] * MathF.Exp(r[j]);
        return result;
    }

    private static string KindOf(string architecture) => architecture switch
    {
        "jumprelu" or "jumprelu_transcoder" => JumpReluSae.KindName,
        "topk" => TopKSae.KindName,
        "gated" => GatedSae.KindName,
        _ => ReluSae.KindName,
    };

    private static Site SiteOf(SaeLensConfig cfg, string? hook, string field)
    {
        if (hook is null) throw SfcInputException.ForFile(cfg.Path, $"missing field '{field}' (the hook the dictionary reads)");
        var site = DictionarySiteNames.FromName(hook) ?? throw SfcInputException.ForFile(cfg.Path, $"{field} '{hook}' is not a known site (e.g. blocks.0.hook_resid_post, hook_embed)");
        if (!DictionarySiteNames.CanHoldDictionary(site))
            throw SfcInputException.ForFile(cfg.Path, $"{field} '{hook}' is not a site a dictionary can be spliced into");
        return site;
    }

    /// <summary>Named, shape-checked, finite tensors of one weights file.</summary>
    private readonly struct Reader(SafetensorsFile file, SaeLensConfig cfg)
    {
        public Tensor Get(string name, params int[] shape)
        {
            if (!file.Contains(name))
                throw SfcInputException.ForFile(file.Path, $"missing tensor '{name}' (a SAELens {cfg.Architecture} dictionary has {string.Join(", ", Expected(cfg.Architecture))})");
            WeightChecks.RequireShape(file.Path, file.Info(name), shape, $"d_in = {cfg.DIn}, d_sae = {cfg.DSae}{(cfg.IsTranscoder ? $", d_out = {cfg.DOut}" : "")} in cfg.json");
            var t = file.GetTensor(name);
            WeightChecks.RequireFinite(file.Path, name, t);
            ResidentMemory.Release(t); // read by the check; not resident again until used
            return t;
        }

        /// <summary>SAELens files may carry an all-ones <c>scaling_factor</c> (a no-op); anything else changes decoding.</summary>
        public void RejectScalingFactor()
        {
            if (!file.Contains("scaling_factor")) return;
            var s = file.ReadTensor("scaling_factor");
            if (TensorPrimitives.MaxMagnitude(s.Span) is 1f && TensorPrimitives.Min(s.Span) == 1f) return;
            throw SfcInputException.ForFile(file.Path, "tensor 'scaling_factor' is not all ones: fine-tuning scaling factors are not supported");
        }

        private static string[] Expected(string architecture) => architecture switch
        {
            "gated" => ["W_enc", "b_gate", "r_mag", "b_mag", "W_dec", "b_dec"],
            "jumprelu" or "jumprelu_transcoder" => ["W_enc", "b_enc", "W_dec", "b_dec", "threshold"],
            "skip_transcoder" => ["W_enc", "b_enc", "W_dec", "b_dec", "W_skip"],
            _ => ["W_enc", "b_enc", "W_dec", "b_dec"],
        };
    }
}
