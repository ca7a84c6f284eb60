using SparseCircuits.Models;
using System.Numerics;
using System.Runtime.InteropServices;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// JumpReLU SAE (SAELens <c>jumprelu</c>, Gemma Scope, dictionary_learning <c>JumpReluAutoEncoder</c>; also
/// dictionary_learning's <c>BatchTopKSAE</c> at inference, with one threshold for every feature):
/// pre = (x − c)·W_enc + b_enc, f = ReLU(pre)·1[pre &gt; θ] with one threshold θ_j per feature.
/// </summary>
public sealed class JumpReluSae : SparseAutoencoder
{
    public const string KindName = "jumprelu";

    private readonly Tensor threshold;

    public JumpReluSae(DictionaryInfo info, SaeWeights weights, Tensor threshold) : base(info, weights)
    {
        SaeWeights.Require(threshold, Width, "threshold");
        this.threshold = threshold;
    }

    /// <summary>θ [F].</summary>
    public Tensor Threshold => threshold;

    public static JumpReluSae Create(Site site, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, Tensor threshold, bool applyDecoderBiasToInput = true, string source = "") =>
        new(new DictionaryInfo(KindName, site, site, source), SaeWeights.SaeLens(wEnc, bEnc, wDec, bDec, applyDecoderBiasToInput), threshold);

    // ReLU after the gate makes the result exact for negative thresholds too (SAELens applies both).
    protected override Tensor Activate(Tensor preActivations) => Activations.Relu(Activations.JumpRelu(preActivations, threshold));

    protected override int SelectActive(ReadOnlySpan<float> pre, Span<int> indices, Span<float> values)
    {
        var theta = threshold.Read();
        int count = 0, width = Vector<float>.Count, j = 0;
        ref float p = ref MemoryMarshal.GetReference(pre);
        ref float t = ref MemoryMarshal.GetReference(theta);
        for (; j <= pre.Length - width; j += width)
        {
            var v = Vector.LoadUnsafe(ref p, (nuint)j);
            var open = Vector.GreaterThan(v, Vector.LoadUnsafe(ref t, (nuint)j)) & Vector.GreaterThan(v, Vector<float>.Zero);
            if (open == Vector<int>.Zero) continue;
            for (int i = j; i < j + width; i++)
                if (pre[i] > theta[i] && pre[i] > 0f) { indices[count] = i; values[count++] = pre[i]; }
        }
        for (; j < pre.Length; j++)
            if (pre[j] > theta[j] && pre[j] > 0f) { indices[count] = j; values[count++] = pre[j]; }
        return count;
    }
}
