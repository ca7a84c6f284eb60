using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// <see cref="IntegratedGradients.FeatureGradients"/> gives W_dec[j]·g for every support entry, equal to a float64 dot
/// product of the decoder row (read from the test's own copy of the weights) with the gradient row: ReLU and TopK SAEs,
/// decoders held as rows (SAELens) and stored as columns (dictionary_learning, read through a lazy transpose), supports
/// sparse and dense enough for either kernel, and a width that is not a multiple of the vector width.
/// </summary>
public sealed class FeatureGradientsTests
{
    private const int Batch = 2, Length = 6;

    public static TheoryData<string, bool, bool, int> Cases() => new()
    {
        { ReluSae.KindName, false, false, 48 },
        { ReluSae.KindName, true, false, 48 },
        { ReluSae.KindName, false, true, 48 },
        { ReluSae.KindName, true, true, 48 },
        { TopKSae.KindName, false, false, 48 },
        { TopKSae.KindName, true, false, 48 },
        { TopKSae.KindName, false, true, 48 },
        { TopKSae.KindName, true, true, 48 },
        { ReluSae.KindName, false, false, 20 },
        { ReluSae.KindName, true, false, 20 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualFloat64DotsOfDecoderRowsWithTheGradient(string kind, bool dictionaryLearningLayout, bool dense, int d)
    {
        const int f = 160;
        var rng = new Random(d * 4 + (dense ? 2 : 0) + (dictionaryLearningLayout ? 1 : 0) + kind.Length * 100);
        var hand = HandSae.Create(kind, dictionaryLearningLayout, d, f, dense ? 1f : -1.5f, rng, topK: dense ? 100 : 10);
        var clean = Tensor.RandomNormal(rng, 1f, Batch, Length, d);
        var patch = Tensor.RandomNormal(rng, 1f, Batch, Length, d);
        var support = SiteDelta.Compute(Site.ResidPost(0), hand.Sae, clean, patch).Support;
        Assert.Equal(dense, SparseDecoding.PreferDense(support.NonZeros, support.Rows, f)); // the kernel meant is the one run
        var gradient = Tensor.RandomNormal(rng, 1f, Batch, Length, d);

        var got = IntegratedGradients.FeatureGradients(hand.Sae, support, gradient);

        Assert.Equal(support.NonZeros, got.Length);
        var g = gradient.ToArray();
        for (int r = 0; r < support.Rows; r++)
        {
            var idx = support.IndicesOf(r);
            for (int t = 0; t < idx.Length; t++)
            {
                double want = 0, scale = 0;
                for (int i = 0; i < d; i++)
                {
                    double term = hand.DecoderAt(idx[t], i) * g[r * d + i];
                    want += term;
                    scale += Math.Abs(term);
                }
                float value = got[support.RowStart[r] + t];
                Assert.True(Math.Abs(value - want) <= 1e-6 * scale + 1e-9, $"row {r} feature {idx[t]}: {value} vs {want}");
            }
        }
    }
}
