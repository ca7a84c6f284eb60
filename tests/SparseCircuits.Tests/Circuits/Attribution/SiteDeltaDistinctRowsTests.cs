using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// <see cref="SiteDelta.Compute"/> encodes each distinct row once and copies its code to the rows equal to it. Runs
/// whose rows repeat (a shared first token, a patch run that agrees with the clean run up to some position, a patch
/// identical to its clean run, a row repeated by chance) must get, row by row, what encoding that row on its own gives,
/// and errors x − dec(f) equal to a float64 decode of those codes; for ReLU and TopK SAEs in both weight layouts.
/// </summary>
public sealed class SiteDeltaDistinctRowsTests
{
    private const int Batch = 3, Length = 5, D = 24, F = 96;
    private static readonly Site At = Site.ResidPost(0);

    public static TheoryData<string, bool> Dictionaries() => new()
    {
        { ReluSae.KindName, false },
        { ReluSae.KindName, true },
        { TopKSae.KindName, false },
        { TopKSae.KindName, true },
    };

    [Theory]
    [MemberData(nameof(Dictionaries))]
    public void RepeatedRowsGetTheCodesOfTheirOwnEncoding(string kind, bool dictionaryLearningLayout)
    {
        var rng = new Random(kind.Length * 7 + (dictionaryLearningLayout ? 1 : 0));
        var hand = HandSae.Create(kind, dictionaryLearningLayout, D, F, -0.5f, rng, topK: 12);
        var (clean, patch) = RunsWithRepeatedRows(rng);
        var stacked = clean.ToArray().Concat(patch.ToArray()).ToArray();
        var (distinct, _) = DistinctRows.Find(stacked, D, Enumerable.Range(0, 2 * Batch * Length).ToArray());
        Assert.Equal(19, distinct.Count); // the rows below repeat 11 times: the check exercises the copying

        var delta = SiteDelta.Compute(At, hand.Sae, clean, patch);

        Assert.Equal(Batch * Length, delta.Support.Rows);
        for (int r = 0; r < Batch * Length; r++)
        {
            var c = EncodeAlone(hand.Sae, clean, r);
            var p = EncodeAlone(hand.Sae, patch, r);
            var want = c.Indices.Union(p.Indices).Order().ToArray();
            Assert.Equal(want, delta.Support.IndicesOf(r).ToArray());
            int at = delta.Support.RowStart[r];
            for (int t = 0; t < want.Length; t++)
            {
                AssertClose(c.ValueAt(0, want[t]), delta.CleanFeatures[at + t], $"row {r} feature {want[t]} clean");
                AssertClose(p.ValueAt(0, want[t]), delta.PatchFeatures[at + t], $"row {r} feature {want[t]} patch");
            }
            AssertError(hand, clean, c, delta.CleanError, r, "clean");
            AssertError(hand, patch, p, delta.PatchError, r, "patch");
        }
    }

    [Fact]
    public void WithoutAPatchRunRepeatedCleanRowsGetTheirOwnCodes()
    {
        var rng = new Random(5);
        var hand = HandSae.Create(ReluSae.KindName, true, D, F, -0.5f, rng);
        var (clean, _) = RunsWithRepeatedRows(rng);

        var delta = SiteDelta.Compute(At, hand.Sae, clean, null);

        for (int r = 0; r < Batch * Length; r++)
        {
            var c = EncodeAlone(hand.Sae, clean, r);
            Assert.Equal(c.Indices, delta.Support.IndicesOf(r).ToArray());
            int at = delta.Support.RowStart[r];
            for (int t = 0; t < c.NonZeros; t++)
            {
                AssertClose(c.Values[t], delta.CleanFeatures[at + t], $"row {r} entry {t}");
                Assert.Equal(0f, delta.PatchFeatures[at + t]);
            }
            AssertError(hand, clean, c, delta.CleanError, r, "clean");
        }
    }

    /// <summary>Clean and patch [B, S, d] where every example starts with the same row, one clean row repeats another
    /// example's, example 0's patch agrees with its clean run for two positions, example 1's for one, and example 2's
    /// patch is its clean run: 19 distinct rows of 30.</summary>
    private static (Tensor Clean, Tensor Patch) RunsWithRepeatedRows(Random rng)
    {
        var clean = Tensor.RandomNormal(rng, 1f, Batch, Length, D);
        var patch = Tensor.RandomNormal(rng, 1f, Batch, Length, D);
        var c = clean.Span;
        var p = patch.Span;
        Span<float> Row(Span<float> x, int b, int s) => x.Slice((b * Length + s) * D, D);
        for (int b = 1; b < Batch; b++) Row(c, 0, 0).CopyTo(Row(c, b, 0));
        Row(c, 0, 3).CopyTo(Row(c, 1, 3));
        for (int s = 0; s < 2; s++) Row(c, 0, s).CopyTo(Row(p, 0, s));
        Row(c, 1, 0).CopyTo(Row(p, 1, 0));
        for (int s = 0; s < Length; s++) Row(c, 2, s).CopyTo(Row(p, 2, s));
        return (clean, patch);
    }

    /// <summary>Row <paramref name="r"/> of x encoded on its own, as codes of one row.</summary>
    private static SparseCodes EncodeAlone(IFeatureDictionary dictionary, Tensor x, int r) =>
        dictionary.EncodeSparse(Tensor.FromArray(x.Span.Slice(r * D, D).ToArray(), 1, D));

    /// <summary>ε = x − (b_dec + Σ_j f_j·W_dec[j]) at row r, in float64 from the test's copy of the decoder.</summary>
    private static void AssertError(HandSae hand, Tensor x, SparseCodes codes, Tensor error, int r, string run)
    {
        var bDec = hand.Sae.DecoderBias.ToArray();
        var got = error.Read().Slice(r * D, D);
        for (int i = 0; i < D; i++)
        {
            double decoded = bDec[i], scale = Math.Abs(bDec[i]);
            for (int t = 0; t < codes.NonZeros; t++)
            {
                double term = codes.Values[t] * hand.DecoderAt(codes.Indices[t], i);
                decoded += term;
                scale += Math.Abs(term);
            }
            double want = x.Span[r * D + i] - decoded;
            Assert.True(Math.Abs(got[i] - want) <= 1e-5 * (1 + scale), $"{run} error row {r} dim {i}: {got[i]} vs {want}");
        }
    }

    /// <summary>Equal up to the rounding of the encoder product, which may differ with the rows it is computed
    /// alongside.</summary>
    private static void AssertClose(float want, float got, string what) =>
        Assert.True(Math.Abs(got - want) <= 1e-5 * (1 + Math.Abs(want)), $"{what}: {got} vs {want}");
}
