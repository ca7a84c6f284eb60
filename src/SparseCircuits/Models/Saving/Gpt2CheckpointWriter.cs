using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Models.Saving;

/// <summary>
/// Writes a GPT-2 <see cref="Transformer"/> as a Hugging Face folder: <c>config.json</c> (model_type gpt2) and
/// <c>model.safetensors</c> with the names <c>save_pretrained</c> gives (<c>transformer.</c> prefix, the tied
/// <c>lm_head</c> left out) and Conv1D's [in, out] layout, the fused <c>c_attn</c> holding [q | k | v] columns.
/// This is the inverse of the GPT-2 loader, so <see cref="ModelLoader"/> reads back the same model.
/// </summary>
public static class Gpt2CheckpointWriter
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";

    /// <summary>Writes config.json and model.safetensors into <paramref name="folder"/> (created if needed).</summary>
    /// <exception cref="ArgumentException">The model is not a plain GPT-2 (learned positions, LayerNorm, tied unembedding,
    /// biases everywhere, no weight processing).</exception>
    public static void Write(string folder, Transformer model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var c = model.Config;
        CheckWritable(model);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteText(Path.Combine(folder, ConfigFileName), writer => writer.Write(ConfigJson(c)));
        var meta = new Dictionary<string, string> { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>()) meta[key] = value;
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFileName), HuggingFaceTensors(model), meta);
    }

    /// <summary>The model's tensors under Hugging Face GPT-2 names, in Conv1D layout.</summary>
    public static IReadOnlyDictionary<string, Tensor> HuggingFaceTensors(Transformer model)
    {
        CheckWritable(model);
        var w = model.Weights;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["transformer.wte.weight"] = w.TokenEmbedding,
            ["transformer.wpe.weight"] = w.PositionEmbedding!,
            ["transformer.ln_f.weight"] = w.FinalNorm.Weight,
            ["transformer.ln_f.bias"] = w.FinalNorm.Bias!,
        };
        for (int l = 0; l < w.Blocks.Count; l++)
        {
            var b = w.Blocks[l];
            var a = b.Attention;
            string p = $"transformer.h.{l}.";
            tensors[p + "ln_1.weight"] = b.Norm1.Weight;
            tensors[p + "ln_1.bias"] = b.Norm1.Bias!;
            tensors[p + "attn.c_attn.weight"] = StackTransposed(a.Q, a.K, a.V);
            tensors[p + "attn.c_attn.bias"] = Concatenate(a.QBias!, a.KBias!, a.VBias!);
            tensors[p + "attn.c_proj.weight"] = StackTransposed(a.O);
            tensors[p + "attn.c_proj.bias"] = a.OBias!;
            tensors[p + "ln_2.weight"] = b.Norm2.Weight;
            tensors[p + "ln_2.bias"] = b.Norm2.Bias!;
            tensors[p + "mlp.c_fc.weight"] = StackTransposed(b.Mlp.In);
            tensors[p + "mlp.c_fc.bias"] = b.Mlp.InBias!;
            tensors[p + "mlp.c_proj.weight"] = StackTransposed(b.Mlp.Out);
            tensors[p + "mlp.c_proj.bias"] = b.Mlp.OutBias!;
        }
        return tensors;
    }

    /// <summary>The config.json text for a GPT-2 config (the fields transformers' GPT2Config reads).</summary>
    public static string ConfigJson(ModelConfig c)
    {
        var config = new Dictionary<string, object?>
        {
            ["architectures"] = new[] { "GPT2LMHeadModel" },
            ["model_type"] = "gpt2",
            ["vocab_size"] = c.VocabSize,
            ["n_positions"] = c.MaxPositions,
            ["n_ctx"] = c.MaxPositions,
            ["n_embd"] = c.DModel,
            ["n_layer"] = c.Layers,
            ["n_head"] = c.Heads,
            ["n_inner"] = c.DMlp,
            ["activation_function"] = c.Activation,
            ["layer_norm_epsilon"] = c.NormEpsilon,
            ["tie_word_embeddings"] = true,
            ["scale_attn_weights"] = true,
            ["resid_pdrop"] = 0.0,
            ["embd_pdrop"] = 0.0,
            ["attn_pdrop"] = 0.0,
            ["initializer_range"] = 0.02,
            ["torch_dtype"] = "float32",
        };
        if (c.BosTokenId is { } bos) config["bos_token_id"] = bos;
        if (c.EosTokenId is { } eos) config["eos_token_id"] = eos;
        return JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static void CheckWritable(Transformer model)
    {
        var c = model.Config;
        var w = model.Weights;
        string? problem =
            c.Architecture != Architecture.Gpt2 ? $"architecture {c.Architecture}" :
            c.Processing != WeightProcessingOptions.None ? "processed weights" :
            !c.TiedEmbeddings || !ReferenceEquals(w.Unembed, w.TokenEmbedding) ? "an untied unembedding" :
            w.UnembedBias is not null ? "an unembedding bias" :
            w.PositionEmbedding is null ? "no position embedding" :
            c.DModel != c.Heads * c.HeadDim || c.KvHeads != c.Heads ? "heads that do not split d_model" :
            w.Blocks.Any(b => b.Mlp.Gate is not null || b.Attention.QBias is null || b.Attention.KBias is null ||
                              b.Attention.VBias is null || b.Attention.OBias is null || b.Mlp.InBias is null ||
                              b.Mlp.OutBias is null || b.Norm1.Bias is null || b.Norm2.Bias is null) ? "missing biases or a gated MLP" :
            w.FinalNorm.Bias is null ? "a final norm without bias" :
            null;
        if (problem is not null) throw new ArgumentException($"Only a plain GPT-2 can be written as a GPT-2 checkpoint; this model has {problem}.", nameof(model));
    }

    /// <summary>nn.Linear matrices [out_i, in] side by side as one Conv1D matrix [in, Σ out_i].</summary>
    private static Tensor StackTransposed(params Tensor[] linears)
    {
        int inDim = linears[0].Dim(1), outTotal = linears.Sum(t => t.Dim(0));
        var result = Tensor.Empty(inDim, outTotal);
        var dst = result.Span;
        int column = 0;
        foreach (var t in linears)
        {
            int outDim = t.Dim(0);
            var src = t.Span;
            for (int o = 0; o < outDim; o++)
            for (int i = 0; i < inDim; i++)
                dst[i * outTotal + column + o] = src[o * inDim + i];
            column += outDim;
        }
        return result;
    }

    private static Tensor Concatenate(params Tensor[] vectors)
    {
        var result = Tensor.Empty(vectors.Sum(v => v.Length));
        int offset = 0;
        foreach (var v in vectors)
        {
            v.Span.CopyTo(result.Span[offset..]);
            offset += v.Length;
        }
        return result;
    }
}
