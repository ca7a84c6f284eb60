namespace SparseCircuits.Models.Loading;

/// <summary>GPT-NeoX / Pythia checkpoints (names with or without <c>gpt_neox.</c>); query_key_value is split per head.</summary>
internal static class GptNeoXWeights
{
    public static TransformerWeights Load(ModelConfig c, WeightSource w)
    {
        int d = c.DModel, m = c.DMlp, hd = c.Heads * c.HeadDim;
        string[] N(string name) => WeightSource.Prefixed("gpt_neox.", name);
        var embed = w.Get(new[] { c.VocabSize, d }, N("embed_in.weight"));
        var blocks = new List<BlockWeights>();
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"layers.{l}.";
            var (q, k, v) = WeightTransforms.SplitNeoXQkv(w.Get(new[] { 3 * hd, d }, N(p + "attention.query_key_value.weight")), c.Heads, c.HeadDim);
            var (qb, kb, vb) = WeightTransforms.SplitNeoXQkv(w.Get(new[] { 3 * hd }, N(p + "attention.query_key_value.bias")), c.Heads, c.HeadDim);
            var attn = new AttentionWeights(q, qb, k, kb, v, vb,
                w.Get(new[] { d, hd }, N(p + "attention.dense.weight")), w.Get(new[] { d }, N(p + "attention.dense.bias")));
            var mlp = new MlpWeights(
                w.Get(new[] { m, d }, N(p + "mlp.dense_h_to_4h.weight")), w.Get(new[] { m }, N(p + "mlp.dense_h_to_4h.bias")),
                null,
                w.Get(new[] { d, m }, N(p + "mlp.dense_4h_to_h.weight")), w.Get(new[] { d }, N(p + "mlp.dense_4h_to_h.bias")));
            blocks.Add(new BlockWeights(
                new NormWeights(w.Get(new[] { d }, N(p + "input_layernorm.weight")), w.Get(new[] { d }, N(p + "input_layernorm.bias"))),
                attn,
                new NormWeights(w.Get(new[] { d }, N(p + "post_attention_layernorm.weight")), w.Get(new[] { d }, N(p + "post_attention_layernorm.bias"))),
                mlp));
        }
        var final = new NormWeights(w.Get(new[] { d }, N("final_layer_norm.weight")), w.Get(new[] { d }, N("final_layer_norm.bias")));
        var head = c.TiedEmbeddings ? embed : w.Get(new[] { c.VocabSize, d }, "embed_out.weight");
        return new TransformerWeights(embed, null, blocks, final, head, null);
    }
}
