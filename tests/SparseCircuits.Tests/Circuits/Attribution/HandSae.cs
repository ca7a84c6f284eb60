using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Models;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>A random SAE and its decoder as the test holds it: <see cref="DecoderAt"/> reads the test's own array, not
/// the dictionary's tensor (for the dictionary_learning layout, the stored [d, F] matrix, never its transpose).</summary>
internal sealed record HandSae(SparseAutoencoder Sae, float[] Decoder, bool DecoderStoredAsColumns)
{
    /// <summary>W_dec[j, i].</summary>
    public double DecoderAt(int j, int i) =>
        DecoderStoredAsColumns ? Decoder[i * Sae.Width + j] : Decoder[j * Sae.OutputDim + i];

    /// <summary>
    /// A ReLU or TopK SAE with d inputs and f features, in SAELens layout (W_enc [d, F], W_dec [F, d]) or
    /// dictionary_learning's (encoder [F, d], decoder stored [d, F] behind a lazy transpose, one shared bias).
    /// <paramref name="encoderBias"/> sets how many features fire (a row's pre-activations are about N(bias, 1)).
    /// </summary>
    public static HandSae Create(string kind, bool dictionaryLearningLayout, int d, int f, float encoderBias, Random rng, int topK = 0)
    {
        var site = Site.ResidPost(0);
        var std = 1f / MathF.Sqrt(d);
        var bEnc = Tensor.Full(encoderBias, f);
        var bDec = Tensor.RandomNormal(rng, 0.1f, d);
        Tensor encoder = dictionaryLearningLayout ? Tensor.RandomNormal(rng, std, f, d) : Tensor.RandomNormal(rng, std, d, f);
        Tensor decoder = dictionaryLearningLayout ? Tensor.RandomNormal(rng, 0.5f, d, f) : Tensor.RandomNormal(rng, 0.5f, f, d);
        var weights = dictionaryLearningLayout
            ? new SaeWeights(encoder, false, bEnc, LazyTranspose.Of(decoder), bDec, bDec)
            : SaeWeights.SaeLens(encoder, bEnc, decoder, bDec);
        var info = new DictionaryInfo(kind, site, site, "hand");
        SparseAutoencoder sae = kind switch
        {
            ReluSae.KindName => new ReluSae(info, weights),
            TopKSae.KindName => new TopKSae(info, weights, topK),
            _ => throw new ArgumentException(kind),
        };
        return new HandSae(sae, decoder.ToArray(), dictionaryLearningLayout);
    }
}
