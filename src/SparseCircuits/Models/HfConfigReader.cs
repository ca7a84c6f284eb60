using System.Text.Json;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Models;

/// <summary>Reads a Hugging Face <c>config.json</c> into a <see cref="ModelConfig"/>; every problem names the field.</summary>
public static class HfConfigReader
{
    public static ModelConfig Read(string configPath)
    {
        if (!File.Exists(configPath)) throw SfcInputException.ForFile(configPath, "model config not found");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(configPath));
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(configPath, $"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var c = new Fields(doc.RootElement, configPath);
            var type = ModelType(c);
            var config = type switch
            {
                "gpt2" => Gpt2(c),
                "gpt_neox" => GptNeoX(c),
                "llama" => Llama(c),
                _ => throw SfcInputException.ForFile(configPath,
                    $"model_type '{type}' is not supported (supported: gpt2, gpt_neox, llama)"),
            };
            return config with { Source = Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? "" };
        }
    }

    private static string ModelType(Fields c)
    {
        var t = c.OptString("model_type");
        if (t is not null) return t;
        var arch = c.OptFirstArchitecture();
        return arch switch
        {
            "GPT2LMHeadModel" => "gpt2",
            "GPTNeoXForCausalLM" => "gpt_neox",
            "LlamaForCausalLM" => "llama",
            null => throw c.Error("model_type", "missing (and no 'architectures' entry to infer it from)"),
            _ => throw c.Error("architectures", $"'{arch}' is not supported (supported: GPT2LMHeadModel, GPTNeoXForCausalLM, LlamaForCausalLM)"),
        };
    }

    private static ModelConfig Gpt2(Fields c)
    {
        int d = c.Int("n_embd"), heads = c.Int("n_head");
        if (c.OptBool("scale_attn_by_inverse_layer_idx") == true)
            throw c.Error("scale_attn_by_inverse_layer_idx", "true is not supported");
        if (c.OptBool("scale_attn_weights") == false)
            throw c.Error("scale_attn_weights", "false is not supported");
        return new ModelConfig
        {
            Architecture = Architecture.Gpt2,
            DModel = d,
            Layers = c.Int("n_layer"),
            Heads = heads,
            KvHeads = heads,
            HeadDim = HeadDim(c, d, heads, "n_embd", "n_head"),
            DMlp = c.OptInt("n_inner") ?? 4 * d,
            VocabSize = c.Int("vocab_size"),
            MaxPositions = c.OptInt("n_positions") ?? c.Int("n_ctx"),
            NormEpsilon = c.OptFloat("layer_norm_epsilon") ?? 1e-5f,
            Activation = c.OptString("activation_function") ?? "gelu_new",
            TiedEmbeddings = c.OptBool("tie_word_embeddings") ?? true,
            BosTokenId = c.OptInt("bos_token_id"),
            EosTokenId = c.OptInt("eos_token_id"),
        };
    }

    private static ModelConfig GptNeoX(Fields c)
    {
        int d = c.Int("hidden_size"), heads = c.Int("num_attention_heads");
        int headDim = HeadDim(c, d, heads, "hidden_size", "num_attention_heads");
        RequireNoRopeScaling(c);
        double pct = c.OptDouble("rotary_pct") ?? c.OptDouble("partial_rotary_factor") ?? 1.0;
        return new ModelConfig
        {
            Architecture = Architecture.GptNeoX,
            DModel = d,
            Layers = c.Int("num_hidden_layers"),
            Heads = heads,
            KvHeads = heads,
            HeadDim = headDim,
            DMlp = c.Int("intermediate_size"),
            VocabSize = c.Int("vocab_size"),
            MaxPositions = c.Int("max_position_embeddings"),
            NormEpsilon = c.OptFloat("layer_norm_eps") ?? 1e-5f,
            Activation = c.OptString("hidden_act") ?? "gelu",
            ParallelResidual = c.OptBool("use_parallel_residual") ?? true,
            RotaryDim = (int)(headDim * pct), // HF: int(head_size * rotary_pct)
            RotaryBase = c.OptDouble("rotary_emb_base") ?? c.OptDouble("rope_theta") ?? 10000,
            RotaryStyle = RotaryStyle.RotateHalf,
            TiedEmbeddings = c.OptBool("tie_word_embeddings") ?? false,
            BosTokenId = c.OptInt("bos_token_id"),
            EosTokenId = c.OptInt("eos_token_id"),
        };
    }

    private static ModelConfig Llama(Fields c)
    {
        int d = c.Int("hidden_size"), heads = c.Int("num_attention_heads");
        int kv = c.OptInt("num_key_value_heads") ?? heads;
        if (kv <= 0 || heads % kv != 0) throw c.Error("num_key_value_heads", $"{kv} does not divide num_attention_heads {heads}");
        int headDim = c.OptInt("head_dim") ?? HeadDim(c, d, heads, "hidden_size", "num_attention_heads");
        RequireNoRopeScaling(c);
        if (c.OptBool("attention_bias") == true) throw c.Error("attention_bias", "true is not supported for llama");
        if (c.OptBool("mlp_bias") == true) throw c.Error("mlp_bias", "true is not supported for llama");
        return new ModelConfig
        {
            Architecture = Architecture.Llama,
            DModel = d,
            Layers = c.Int("num_hidden_layers"),
            Heads = heads,
            KvHeads = kv,
            HeadDim = headDim,
            DMlp = c.Int("intermediate_size"),
            VocabSize = c.Int("vocab_size"),
            MaxPositions = c.OptInt("max_position_embeddings") ?? 2048,
            NormEpsilon = c.OptFloat("rms_norm_eps") ?? 1e-6f,
            Activation = c.OptString("hidden_act") ?? "silu",
            RotaryDim = headDim,
            RotaryBase = c.OptDouble("rope_theta") ?? 10000,
            RotaryStyle = RotaryStyle.RotateHalf,
            TiedEmbeddings = c.OptBool("tie_word_embeddings") ?? false,
            BosTokenId = c.OptInt("bos_token_id"),
            EosTokenId = c.OptInt("eos_token_id"),
        };
    }

    private static int HeadDim(Fields c, int d, int heads, string dName, string headsName)
    {
        if (heads <= 0 || d % heads != 0) throw c.Error(headsName, $"{heads} does not divide {dName} {d}");
        return d / heads;
    }

    private static void RequireNoRopeScaling(Fields c)
    {
        if (c.Has("rope_scaling") && c.Raw("rope_scaling").ValueKind != JsonValueKind.Null)
            throw c.Error("rope_scaling", "rotary scaling is not supported");
    }

    /// <summary>Typed access to config fields with errors that name the field and the file.</summary>
    private sealed class Fields(JsonElement root, string path)
    {
        public bool Has(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out _);

        public JsonElement Raw(string name) => root.GetProperty(name);

        public SfcInputException Error(string field, string problem) => SfcInputException.ForFile(path, $"field '{field}': {problem}");

        public int Int(string name) => OptInt(name) ?? throw Error(name, "missing");

        public int? OptInt(string name)
        {
            if (!TryGet(name, out var e)) return null;
            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v)) return v;
            throw Error(name, $"expected an integer, found {e.GetRawText()}");
        }

        public double? OptDouble(string name)
        {
            if (!TryGet(name, out var e)) return null;
            if (e.ValueKind == JsonValueKind.Number) return e.GetDouble();
            throw Error(name, $"expected a number, found {e.GetRawText()}");
        }

        public float? OptFloat(string name) => OptDouble(name) is { } d ? (float)d : null;

        public bool? OptBool(string name)
        {
            if (!TryGet(name, out var e)) return null;
            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(name, $"expected true or false, found {e.GetRawText()}"),
            };
        }

        public string? OptString(string name)
        {
            if (!TryGet(name, out var e)) return null;
            return e.ValueKind == JsonValueKind.String ? e.GetString() : throw Error(name, $"expected a string, found {e.GetRawText()}");
        }

        public string? OptFirstArchitecture()
        {
            if (!TryGet("architectures", out var e) || e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) return null;
            return e[0].GetString();
        }

        private bool TryGet(string name, out JsonElement e)
        {
            e = default;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out e) && e.ValueKind != JsonValueKind.Null;
        }
    }
}
