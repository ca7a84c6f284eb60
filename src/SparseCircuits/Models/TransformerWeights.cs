using SparseCircuits.Tensors;

namespace SparseCircuits.Models;

/// <summary>A LayerNorm (weight and bias) or RMSNorm (weight only).</summary>
public sealed record NormWeights(Tensor Weight, Tensor? Bias);

/// <summary>Attention projections in nn.Linear layout [out, in]; Q is [H·D, d], K and V are [Hkv·D, d], O is [d, H·D].</summary>
public sealed record AttentionWeights(Tensor Q, Tensor? QBias, Tensor K, Tensor? KBias, Tensor V, Tensor? VBias, Tensor O, Tensor? OBias);

/// <summary>MLP weights in nn.Linear layout: In [d_mlp, d] (Llama's up_proj), Gate [d_mlp, d] for SwiGLU, Out [d, d_mlp].</summary>
public sealed record MlpWeights(Tensor In, Tensor? InBias, Tensor? Gate, Tensor Out, Tensor? OutBias);

public sealed record BlockWeights(NormWeights Norm1, AttentionWeights Attention, NormWeights Norm2, MlpWeights Mlp);

/// <summary>All parameters of a transformer in one architecture-neutral layout.</summary>
public sealed record TransformerWeights(
    Tensor TokenEmbedding,
    Tensor? PositionEmbedding,
    IReadOnlyList<BlockWeights> Blocks,
    NormWeights FinalNorm,
    Tensor Unembed,
    Tensor? UnembedBias)
{
    /// <summary>Every distinct parameter tensor (a tied unembedding appears once).</summary>
    public IEnumerable<Tensor> Parameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        IEnumerable<Tensor?> All()
        {
            yield return TokenEmbedding;
            yield return PositionEmbedding;
            foreach (var b in Blocks)
            {
                yield return b.Norm1.Weight; yield return b.Norm1.Bias;
                var a = b.Attention;
                yield return a.Q; yield return a.QBias; yield return a.K; yield return a.KBias;
                yield return a.V; yield return a.VBias; yield return a.O; yield return a.OBias;
                yield return b.Norm2.Weight; yield return b.Norm2.Bias;
                var m = b.Mlp;
                yield return m.In; yield return m.InBias; yield return m.Gate; yield return m.Out; yield return m.OutBias;
            }
            yield return FinalNorm.Weight; yield return FinalNorm.Bias;
            yield return Unembed; yield return UnembedBias;
        }
        foreach (var t in All())
            if (t is not null && seen.Add(t)) yield return t;
    }
}
