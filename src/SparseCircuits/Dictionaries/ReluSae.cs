using SparseCircuits.Models;
using System.Numerics;
using System.Runtime.InteropServices;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// The standard SAE (SAELens <c>standard</c>, dictionary_learning <c>AutoEncoder</c>): f = ReLU((x − c)·W_enc + b_enc).
/// dictionary_learning's form has one shared bias b that is subtracted before encoding and added after decoding
/// (c = b_dec = b); SAELens subtracts b_dec only when <c>apply_b_dec_to_input</c>.
/// </summary>
public sealed class ReluSae(DictionaryInfo info, SaeWeights weights) : SparseAutoencoder(info, weights)
{
    public const string KindName = "relu";

    /// <summary>A ReLU SAE at <paramref name="site"/> from SAELens-layout tensors (W_enc [d, F], b_enc [F], W_dec [F, d],
    /// b_dec [d]).</summary>
    public static ReluSae Create(Site site, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, bool applyDecoderBiasToInput = true, string source = "") =>
        new(new DictionaryInfo(KindName, site, site, source), SaeWeights.SaeLens(wEnc, bEnc, wDec, bDec, applyDecoderBiasToInput));

    protected override Tensor Activate(Tensor preActivations) => Activations.Relu(preActivations);

    protected override int SelectActive(ReadOnlySpan<float> pre, Span<int> indices, Span<float> values) =>
        SelectPositive(pre, indices, values);

    /// <summary>Entries &gt; 0, skipping all-nonpositive vectors at once (rows are mostly inactive).</summary>
    internal static int SelectPositive(ReadOnlySpan<float> pre, Span<int> indices, Span<float> values)
    {
        int count = 0, width = Vector<float>.Count, j = 0;
        ref float p = ref MemoryMarshal.GetReference(pre);
        for (; j <= pre.Length - width; j += width)
        {
            if (!Vector.GreaterThanAny(Vector.LoadUnsafe(ref p, (nuint)j), Vector<float>.Zero)) continue;
            for (int i = j; i < j + width; i++)
                if (pre[i] > 0f) { indices[count] = i; values[count++] = pre[i]; }
        }
        for (; j < pre.Length; j++)
            if (pre[j] > 0f) { indices[count] = j; values[count++] = pre[j]; }
        return count;
    }
}
