using SparseCircuits.Tensors;

namespace SparseCircuits.Models;

/// <summary>Random-weight models of a given shape (benchmarks, tests, and the starting point of training).</summary>
public static class RandomWeights
{
    /// <summary>Pythia-70m's dimensions: GPT-NeoX, d 512, 6 layers, 8 heads, d_mlp 2048, vocab 50304, rotary 25%.</summary>
    public static ModelConfig Pythia70mConfig => new()
    {
        Architecture = Architecture.GptNeoX,
        DModel = 512,
        Layers = 6,
        Heads = 8,
        KvHeads = 8,
        HeadDim = 64,
        DMlp = 2048,
        VocabSize = 50304,
        MaxPositions = 2048,
        NormEpsilon = 1e-5f,
        Activation = "gelu",
        ParallelResidual = true,
        RotaryDim = 16,
        RotaryBase = 10000,
        TiedEmbeddings = false,
        Source = "random Pythia-70m-size weights",
    };

    /// <summary>Weights N(0, std²) (norm weights 1, biases 0), deterministic for a seed; GPT-2-style output-projection
    /// scaling by 1/√(2·layers).</summary>
    public static Transformer Create(ModelConfig c, int seed, float std = 0.02f)
    {
        var rng = new Random(seed);
        Tensor N(params int[] shape) => Tensor.RandomNormal(rng, std, shape);
        Tensor Nout(params int[] shape) => Tensor.RandomNormal(rng, std / MathF.Sqrt(2 * c.Layers), shape);
        Tensor? Bias(int n) => c.Architecture == Architecture.Llama ? null : Tensor.Zeros(n);
        NormWeights Norm() => new(Tensor.Full(1f, c.DModel), c.UsesRmsNorm ? null : Tensor.Zeros(c.DModel));
        int d = c.DModel, qd = c.Heads * c.HeadDim, kvd = c.KvHeads * c.HeadDim;
        var embed = N(c.VocabSize, d);
        var blocks = new List<BlockWeights>();
        for (int l = 0; l < c.Layers; l++)
        {
            var attn = new AttentionWeights(N(qd, d), Bias(qd), N(kvd, d), Bias(kvd), N(kvd, d), Bias(kvd), Nout(d, qd), Bias(d));
            var mlp = new MlpWeights(N(c.DMlp, d), Bias(c.DMlp), c.GatedMlp ? N(c.DMlp, d) : null, Nout(d, c.DMlp), Bias(d));
            blocks.Add(new BlockWeights(Norm(), attn, Norm(), mlp));
        }
        var unembed = c.TiedEmbeddings ? embed : N(c.VocabSize, d);
        var positions = c.LearnedPositions ? N(c.MaxPositions, d) : null;
        return new Transformer(c, new TransformerWeights(embed, positions, blocks, Norm(), unembed, null));
    }
}
