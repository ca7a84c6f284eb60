using SparseCircuits.Tensors;

namespace SparseCircuits.Models.Loading;

/// <summary>GPT-2 checkpoints (Hugging Face names, with or without the <c>transformer.</c> prefix). Conv1D weights are
/// stored [in, out] and the fused c_attn holds [q | k | v] columns; both are re-laid out here.</summary>
internal static class Gpt2Weights
{
    public static TransformerWeights Load(ModelConfig c, WeightSource w)
    {
        int d = c.DModel, m = c.DMlp;
        string[] N(string name) => WeightSource.Prefixed("transformer.", name);
        var wte = w.Get(new[] { c.VocabSize, d }, N("wte.weight"));
        var wpe = w.Get(new[] { c.MaxPositions, d }, N("wpe.weight"));
        var blocks = new List<BlockWeights>();
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"h.{l}.";
            var cAttn = w.Get(new[] { d, 3 * d }, N(p + "attn.c_attn.weight"));
            var cAttnB = w.Get(new[] { 3 * d }, N(p + "attn.c_attn.bias"));
            var attn = new AttentionWeights(
                WeightTransforms.TransposedColumns(cAttn, 0, d), WeightTransforms.Range(cAttnB, 0, d),
                WeightTransforms.TransposedColumns(cAttn, d, d), WeightTransforms.Range(cAttnB, d, d),
                WeightTransforms.TransposedColumns(cAttn, 2 * d, d), WeightTransforms.Range(cAttnB, 2 * d, d),
                WeightTransforms.Transposed(w.Get(new[] { d, d }, N(p + "attn.c_proj.weight"))),
                w.Get(new[] { d }, N(p + "attn.c_proj.bias")));
            var mlp = new MlpWeights(
                WeightTransforms.Transposed(w.Get(new[] { d, m }, N(p + "mlp.c_fc.weight"))),
                w.Get(new[] { m }, N(p + "mlp.c_fc.bias")),
                null,
                WeightTransforms.Transposed(w.Get(new[] { m, d }, N(p + "mlp.c_proj.weight"))),
                w.Get(new[] { d }, N(p + "mlp.c_proj.bias")));
            blocks.Add(new BlockWeights(
                new NormWeights(w.Get(new[] { d }, N(p + "ln_1.weight")), w.Get(new[] { d }, N(p + "ln_1.bias"))),
                attn,
                new NormWeights(w.Get(new[] { d }, N(p + "ln_2.weight")), w.Get(new[] { d }, N(p + "ln_2.bias"))),
                mlp));
        }
        var lnf = new NormWeights(w.Get(new[] { d }, N("ln_f.weight")), w.Get(new[] { d }, N("ln_f.bias")));
        var head = c.TiedEmbeddings ? wte : w.Get(new[] { c.VocabSize, d }, "lm_head.weight");
        return new TransformerWeights(wte, wpe, blocks, lnf, head, null);
    }
}
