using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>Encoding only some features gives, on those features, what the dictionary's dense differentiable encoder
/// gives (ReLU and JumpReLU fixture SAEs in both layouts, a gated SAE and the identity); TopK is never subset-encoded.</summary>
public sealed class SubsetEncoderTests
{
    [SharedTheory]
    [InlineData("dictionaries")]
    [InlineData("saelens")]
    [InlineData("saelens_jumprelu")]
    public void FixtureDictionariesAgreeWithTheirDenseEncoder(string folder)
    {
        var model = EvaluationFixture.Model("tiny_gpt_neox");
        var dicts = EvaluationFixture.Dictionaries("tiny_gpt_neox", model, folder);
        foreach (var site in dicts.Sites)
            Check(dicts[site], new Random(site.Order + 10));
    }

    [Fact]
    public void GatedAndIdentityDictionariesAgreeWithTheirDenseEncoder()
    {
        var rng = new Random(3);
        int d = 16, f = 40;
        var site = Site.ResidPost(0);
        var weights = SaeWeights.SaeLens(Tensor.RandomNormal(rng, 0.5f, d, f), null, Tensor.RandomNormal(rng, 0.5f, f, d), Tensor.RandomNormal(rng, 0.1f, d));
        var gated = new GatedSae(new DictionaryInfo(GatedSae.KindName, site, site, "hand"), weights,
            Tensor.RandomNormal(rng, 0.5f, f), Tensor.RandomNormal(rng, 0.3f, f), Tensor.RandomNormal(rng, 0.5f, f));
        Check(gated, rng);
        Check(new IdentityDictionary(site, d), rng);
        var topK = TopKSae.Create(site, Tensor.RandomNormal(rng, 0.5f, d, f), Tensor.Zeros(f), Tensor.RandomNormal(rng, 0.5f, f, d), Tensor.Zeros(d), 4);
        Assert.False(SubsetEncoder.Supports(topK));
    }

    private static void Check(IFeatureDictionary dictionary, Random rng)
    {
        Assert.True(SubsetEncoder.Supports(dictionary));
        int n = 12, d = dictionary.InputDim, width = dictionary.Width;
        var x = Tensor.RandomNormal(rng, 1.5f, n, d);
        Tensor dense;
        using (global::SparseCircuits.Tensors.Autograd.Tape.NoGrad()) dense = dictionary.Encode(x).Clone();
        var features = Enumerable.Range(0, width).Where(_ => rng.NextDouble() < 0.3).ToArray();
        var codes = SubsetEncoder.Encode(dictionary, x.Span, n, features);
        var got = codes.ToDense();
        int active = 0;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < width; j++)
            {
                float want = Array.BinarySearch(features, j) >= 0 ? dense[r, j] : 0f;
                if (want != 0) active++;
                Assert.True(Math.Abs(want - got[r, j]) <= 1e-5f * (1 + Math.Abs(want)), $"{dictionary.Info.Kind} row {r} feature {j}: {got[r, j]} vs {want}");
            }
        Assert.True(active > 0, "no listed feature is active; the check says nothing");
    }
}
