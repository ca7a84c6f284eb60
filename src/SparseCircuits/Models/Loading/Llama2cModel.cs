using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Models.Loading;

/// <summary>
/// A llama2.c checkpoint as a Llama <see cref="Transformer"/>. Its q/k rows stay in llama2.c's order, so rotary uses
/// adjacent pairs (2i, 2i+1) rather than Hugging Face's rotate-half; RMSNorm eps is llama2.c's 1e-5; w1 is the gate,
/// w3 the up projection, w2 the down projection.
/// </summary>
public static class Llama2cModel
{
    public static Transformer Load(string path)
    {
        var ckpt = Llama2cCheckpoint.Load(path);
        var c = ckpt.Config;
        var config = new ModelConfig
        {
            Architecture = Architecture.Llama,
            DModel = c.Dim,
            Layers = c.Layers,
            Heads = c.Heads,
            KvHeads = c.KvHeads,
            HeadDim = c.HeadSize,
            DMlp = c.HiddenDim,
            VocabSize = c.VocabSize,
            MaxPositions = c.SeqLen,
            NormEpsilon = 1e-5f,
            Activation = "silu",
            RotaryDim = c.HeadSize,
            RotaryBase = 10000,
            RotaryStyle = RotaryStyle.AdjacentPairs,
            TiedEmbeddings = c.SharedClassifier,
            BosTokenId = 1,
            EosTokenId = 2,
            Source = Path.GetFullPath(path),
        };
        var w = WeightSource.FromTensors(path, ckpt.Weights);
        int d = c.Dim, kv = c.KvDim, h = c.HiddenDim;
        var blocks = new List<BlockWeights>();
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"layers.{l}.";
            var attn = new AttentionWeights(
                w.Get(new[] { d, d }, p + "attention.wq.weight"), null,
                w.Get(new[] { kv, d }, p + "attention.wk.weight"), null,
                w.Get(new[] { kv, d }, p + "attention.wv.weight"), null,
                w.Get(new[] { d, d }, p + "attention.wo.weight"), null);
            var mlp = new MlpWeights(
                w.Get(new[] { h, d }, p + "feed_forward.w3.weight"), null,
                w.Get(new[] { h, d }, p + "feed_forward.w1.weight"),
                w.Get(new[] { d, h }, p + "feed_forward.w2.weight"), null);
            blocks.Add(new BlockWeights(
                new NormWeights(w.Get(new[] { d }, p + "attention_norm.weight"), null), attn,
                new NormWeights(w.Get(new[] { d }, p + "ffn_norm.weight"), null), mlp));
        }
        var weights = new TransformerWeights(
            w.Get(new[] { c.VocabSize, d }, "tok_embeddings.weight"), null, blocks,
            new NormWeights(w.Get(new[] { d }, "norm.weight"), null),
            w.Get(new[] { c.VocabSize, d }, "output.weight"), null);
        return new Transformer(config, weights);
    }
}
