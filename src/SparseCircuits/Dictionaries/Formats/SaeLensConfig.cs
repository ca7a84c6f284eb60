using System.Text.Json;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>
/// The fields of a SAELens <c>cfg.json</c> that inference needs, from either generation of the format: before 6.0 a flat
/// object (<c>hook_name</c>, or <c>hook_point</c> in old files; <c>activation_fn_str</c> with
/// <c>activation_fn_kwargs.k</c> for TopK); from 6.0 the hook fields live in <c>metadata</c> (or <c>meta</c>) and TopK is
/// <c>architecture: "topk"</c> with <c>k</c>. Anything that would change the computation and is not implemented
/// (activation normalisation, fine-tuning scaling, per-head hooks, hook_z reshaping, decoder-norm rescaling) is refused
/// with an error naming the field.
/// </summary>
public sealed record SaeLensConfig(
    string Path,
    string Architecture,
    int DIn,
    int DSae,
    int DOut,
    string? HookName,
    string? HookNameOut,
    bool ApplyBDecToInput,
    int K)
{
    /// <summary>Architectures this reader builds (after folding pre-6.0 <c>standard</c> + <c>topk</c> into <c>topk</c>).</summary>
    public static readonly string[] Supported = ["standard", "jumprelu", "topk", "gated", "transcoder", "skip_transcoder", "jumprelu_transcoder"];

    public bool IsTranscoder => Architecture.EndsWith("transcoder", StringComparison.Ordinal);

    public static SaeLensConfig Read(string path)
    {
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "file not found");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw SfcInputException.ForFile(path, "is not a JSON object");
            return Parse(path, new Fields(path, doc.RootElement));
        }
    }

    private static SaeLensConfig Parse(string path, Fields f)
    {
        int dIn = f.PositiveInt("d_in");
        int dSae = f.PositiveInt("d_sae");
        string architecture = f.String("architecture") ?? "standard";
        string activation = f.String("activation_fn_str") ?? f.String("activation_fn") ?? "relu";
        int k = 0;
        if (architecture == "standard" && activation == "topk") architecture = "topk"; // pre-6.0 spelling
        else if (activation is not ("relu" or "topk"))
            throw SfcInputException.ForFile(path, $"activation function '{activation}' is not supported (relu, topk)");
        if (!Supported.Contains(architecture))
            throw SfcInputException.ForFile(path, $"architecture '{architecture}' is not supported ({string.Join(", ", Supported)})");
        if (architecture == "topk")
        {
            k = f.OptionalPositiveInt("k") ?? f.KwargK() ?? throw SfcInputException.ForFile(path, "TopK SAE without 'k' (or activation_fn_kwargs.k)");
            if (k > dSae) throw SfcInputException.ForFile(path, $"k = {k} is larger than d_sae = {dSae}");
        }

        f.RequireAbsentOrNone("normalize_activations");
        f.RequireAbsentOrNone("reshape_activations");
        f.RequireFalse("finetuning_scaling_factor");
        f.RequireFalse("rescale_acts_by_decoder_norm");
        f.RequireNull("hook_head_index");
        f.RequireNull("hook_point_head_index");

        bool transcoder = architecture.EndsWith("transcoder", StringComparison.Ordinal);
        int dOut = transcoder ? f.PositiveInt("d_out") : dIn;
        // SAELens transcoders never subtract b_dec (it lives in the output space).
        bool applyBDec = !transcoder && (f.Bool("apply_b_dec_to_input") ?? true);
        return new SaeLensConfig(path, architecture, dIn, dSae, dOut,
            f.String("hook_name") ?? f.String("hook_point"),
            transcoder ? f.String("hook_name_out") : null,
            applyBDec, k);
    }

    /// <summary>Looks a field up at the top level, then in <c>metadata</c> / <c>meta</c> (SAELens ≥ 6.0).</summary>
    private readonly struct Fields(string path, JsonElement root)
    {
        private JsonElement? Find(string name)
        {
            if (root.TryGetProperty(name, out var v)) return v;
            foreach (var nested in new[] { "metadata", "meta" })
                if (root.TryGetProperty(nested, out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty(name, out v)) return v;
            return null;
        }

        public string? String(string name) => Find(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } v => v.GetString(),
            var v => throw SfcInputException.ForFile(path, $"field '{name}' should be a string, not {v.Value.ValueKind.ToString().ToLowerInvariant()}"),
        };

        public bool? Bool(string name) => Find(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            var v => throw SfcInputException.ForFile(path, $"field '{name}' should be true or false, not {v.Value.GetRawText()}"),
        };

        public int PositiveInt(string name) =>
            OptionalPositiveInt(name) ?? throw SfcInputException.ForFile(path, $"missing field '{name}'");

        public int? OptionalPositiveInt(string name)
        {
            if (Find(name) is not { } v || v.ValueKind == JsonValueKind.Null) return null;
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n > 0
                ? n
                : throw SfcInputException.ForFile(path, $"field '{name}' should be a positive integer, not {v.GetRawText()}");
        }

        public int? KwargK()
        {
            if (Find("activation_fn_kwargs") is not { ValueKind: JsonValueKind.Object } kw || !kw.TryGetProperty("k", out var k)) return null;
            return k.ValueKind == JsonValueKind.Number && k.TryGetInt32(out int n) && n > 0
                ? n
                : throw SfcInputException.ForFile(path, $"field 'activation_fn_kwargs.k' should be a positive integer, not {k.GetRawText()}");
        }

        public void RequireAbsentOrNone(string name)
        {
            switch (Find(name))
            {
                case null:
                case { ValueKind: JsonValueKind.Null or JsonValueKind.False }:
                    return;
                case { ValueKind: JsonValueKind.String } v when v.GetString() == "none":
                    return;
                case var v:
                    throw SfcInputException.ForFile(path, $"field '{name}' = {v.Value.GetRawText()} is not supported (only \"none\"): fold the normalisation into the weights first");
            }
        }

        public void RequireFalse(string name)
        {
            if (Bool(name) == true) throw SfcInputException.ForFile(path, $"field '{name}' = true is not supported");
        }

        public void RequireNull(string name)
        {
            if (Find(name) is { } v && v.ValueKind != JsonValueKind.Null)
                throw SfcInputException.ForFile(path, $"field '{name}' = {v.GetRawText()}: per-head dictionaries are not supported");
        }
    }
}
