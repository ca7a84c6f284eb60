using SparseCircuits.Models;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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

    /// <summary>Entries &gt; 0: one compare per vector, then only the set bits of its mask are visited (rows are mostly
    /// inactive, and most vectors have no or one active entry).</summary>
    internal static int SelectPositive(ReadOnlySpan<float> pre, Span<int> indices, Span<float> values)
    {
        int count = 0, j = 0;
        ref float p = ref MemoryMarshal.GetReference(pre);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= pre.Length - Vector512<float>.Count; j += Vector512<float>.Count)
                count = Append(Vector512.GreaterThan(Vector512.LoadUnsafe(ref p, (nuint)j), Vector512<float>.Zero).ExtractMostSignificantBits(), j, pre, indices, values, count);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= pre.Length - Vector256<float>.Count; j += Vector256<float>.Count)
                count = Append(Vector256.GreaterThan(Vector256.LoadUnsafe(ref p, (nuint)j), Vector256<float>.Zero).ExtractMostSignificantBits(), j, pre, indices, values, count);
        }
        for (; j < pre.Length; j++)
            if (pre[j] > 0f) { indices[count] = j; values[count++] = pre[j]; }
        return count;
    }

    /// <summary>Appends the entries at the set bits of <paramref name="mask"/> (bit k: element start + k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Append(ulong mask, int start, ReadOnlySpan<float> pre, Span<int> indices, Span<float> values, int count)
    {
        for (; mask != 0; mask &= mask - 1)
        {
            int i = start + BitOperations.TrailingZeroCount(mask);
            indices[count] = i;
            values[count++] = pre[i];
        }
        return count;
    }
}
