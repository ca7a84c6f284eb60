namespace SparseCircuits.Models.Loading;

/// <summary>Hugging Face Llama checkpoints (names with or without <c>model.</c>).</summary>
internal static class LlamaWeights
{
    public static TransformerWeights Load(ModelConfig c, WeightSource w)
    {
        int d = c.DModel, m = c.DMlp, qd = c.Heads * c.HeadDim, kvd = c.KvHeads * c.HeadDim;
        string[] N(string name) => WeightSource.Prefixed("model.", name);
        var embed = w.Get(new[] { c.VocabSize, d }, N("embed_tokens.weight"));
        var blocks = new List<BlockWeights>();
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"layers.{l}.";
            var attn = new AttentionWeights(
                w.Get(new[] { qd, d }, N(p + "self_attn.q_proj.weight")), null,
                w.Get(new[] { kvd, d }, N(p + "self_attn.k_proj.weight")), null,
                w.Get(new[] { kvd, d }, N(p + "self_attn.v_proj.weight")), null,
                w.Get(new[] { d, qd }, N(p + "self_attn.o_proj.weight")), null);
            var mlp = new MlpWeights(
                w.Get(new[] { m, d }, N(p + "mlp.up_proj.weight")), null,
                w.Get(new[] { m, d }, N(p + "mlp.gate_proj.weight")),
                w.Get(new[] { d, m }, N(p + "mlp.down_proj.weight")), null);
            blocks.Add(new BlockWeights(
                new NormWeights(w.Get(new[] { d }, N(p + "input_layernorm.weight")), null),
                attn,
                new NormWeights(w.Get(new[] { d }, N(p + "post_attention_layernorm.weight")), null),
                mlp));
        }
        var final = new NormWeights(w.Get(new[] { d }, N("norm.weight")), null);
        var head = c.TiedEmbeddings ? embed : w.Get(new[] { c.VocabSize, d }, "lm_head.weight");
        return new TransformerWeights(embed, null, blocks, final, head, null);
    }
}
