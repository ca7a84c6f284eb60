using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Splicing;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>How dictionary folders are laid out and named, and transcoders spliced into a model.</summary>
public class DictionarySetTests
{
    private const string Arch = "tiny_gpt_neox";

    private static ModelConfig Config => HfConfigReader.Read(Path.Combine(Fixtures.ModelDir(Arch), "config.json"));

    [SharedFact]
    public void DictionaryLearningFolderNamesAndNesting()
    {
        using var temp = new TempFolder();
        var fixtures = Path.Combine(Fixtures.ModelDir(Arch), "dictionaries");
        // The reference layout: {embed | attn_out_layerL | mlp_out_layerL | resid_out_layerL}/10_32768/ae.pt.
        MalformedDictionaryTests.CopyFolder(Path.Combine(fixtures, "embed"), temp.Sub("embed", "10_128"));
        MalformedDictionaryTests.CopyFolder(Path.Combine(fixtures, "attn_1"), temp.Sub("attn_out_layer1", "10_128"));
        MalformedDictionaryTests.CopyFolder(Path.Combine(fixtures, "mlp_0"), temp.Sub("mlp_out_layer0"));
        MalformedDictionaryTests.CopyFolder(Path.Combine(fixtures, "resid_1"), temp.Sub("resid_out_layer1"));
        Directory.CreateDirectory(temp.Sub("plots"));
        var set = DictionarySet.Load(temp.Path, Config);
        Assert.Equal(new[] { Site.Embed, Site.MlpOut(0), Site.AttnOut(1), Site.ResidPost(1) }, set.Sites);

        using var expected = Fixtures.Expected(Arch);
        var root = expected.RootElement;
        foreach (var site in set.Sites)
        {
            var x = FixtureEncodingTests.Activations(root, site.Name, Config.DModel);
            var want = Fixtures.Matrix(root.GetProperty("sae_features_dl").GetProperty(site.Name));
            Fixtures.AssertRelative(want, set[site].EncodeSparse(x).ToDense(), 1e-5, $"{site} from its renamed folder");
        }
    }

    [SharedFact]
    public void SingleDictionaryFolders()
    {
        var attn = Path.Combine(Fixtures.ModelDir(Arch), "saelens", "attn_0");
        var set = DictionarySet.Load(attn, Config);
        Assert.Equal(new[] { Site.AttnOut(0) }, set.Sites);
        Assert.Equal(Site.AttnOut(0), DictionaryLoader.Load(Path.Combine(attn, "cfg.json")).Info.OutputSite);
        var dl = Path.Combine(Fixtures.ModelDir(Arch), "dictionaries", "mlp_1");
        Assert.Equal(Site.MlpOut(1), DictionaryLoader.Load(Path.Combine(dl, "ae.pt")).Info.OutputSite);
        Assert.Equal(Site.ResidPost(0), DictionaryLoader.Load(dl, Site.ResidPost(0)).Info.OutputSite);
    }

    [Fact]
    public void ResidPreHooksNameTheCanonicalSites()
    {
        Assert.Equal(Site.Embed, DictionarySiteNames.FromName("blocks.0.hook_resid_pre"));
        Assert.Equal(Site.ResidPost(2), DictionarySiteNames.FromName("blocks.3.hook_resid_pre"));
        Assert.Equal(Site.Embed, DictionarySiteNames.FromName("hook_embed"));
        Assert.Equal(Site.MlpInput(1), DictionarySiteNames.FromName("blocks.1.ln2.hook_normalized"));
        Assert.Equal(Site.AttnOut(4), DictionarySiteNames.FromFolderName("attn_out_layer4"));
        Assert.Null(DictionarySiteNames.FromFolderName("10_32768"));
    }

    [SharedFact]
    public void NeuronsAreIdentityDictionariesEverywhere()
    {
        var set = DictionarySet.Load(DictionarySet.NeuronsName, Config);
        Assert.Equal(Site.DictionarySites(Config), set.Sites);
        var x = Tensor.RandomNormal(new Random(1), 1f, 3, Config.DModel);
        var dict = set[Site.MlpOut(1)];
        Assert.Equal(Config.DModel, dict.Width);
        Assert.Equal(x.ToArray(), dict.EncodeSparse(x).ToDense().ToArray());
        Assert.Equal(x.ToArray(), dict.DecodeSparse(dict.EncodeSparse(x)).ToArray());
    }

    /// <summary>A skip transcoder from mlp_in_0 to mlp_0 spliced into the model: logits unchanged, codes and
    /// reconstruction as the definition gives them (float64 here), feature gradients W_dec·g.</summary>
    [SharedFact]
    public void TranscoderSplice()
    {
        var model = Fixtures.Model(Arch);
        int d = model.Config.DModel, f = 40;
        var rng = new Random(9);
        var w = new SaeWeights(Tensor.RandomNormal(rng, 0.3f, d, f), true, Tensor.RandomNormal(rng, 0.2f, f),
            Tensor.RandomNormal(rng, 0.3f, f, d), Tensor.RandomNormal(rng, 0.1f, d), null, Tensor.RandomNormal(rng, 0.1f, d, d));
        var transcoder = new ReluSae(new DictionaryInfo(ReluSae.KindName, Site.MlpInput(0), Site.MlpOut(0), "test"), w);
        var set = new DictionarySet([transcoder]);
        var batch = SpliceTests.Batch(Arch);

        var plain = SpliceTests.Run(model, batch, null);
        Tensor? mlpIn = null;
        model.Forward(batch, new ForwardHooks().Read(Site.MlpInput(0).Name, x => mlpIn = x.Clone()));
        var splice = new ModelSplice(set);
        var spliced = SpliceTests.Run(model, batch, splice);
        Assert.Equal(plain.Logits.ToArray(), spliced.Logits.ToArray());
        Fixtures.AssertRelative(plain.Gradients.Batched(plain.Embedding)!.Span, spliced.Gradients.Batched(spliced.Embedding)!, 1e-6, "embedding gradient");

        var h = splice[Site.MlpOut(0)];
        var xin = mlpIn!.ToArray();
        int n = xin.Length / d;
        var codes = new float[n * f];
        for (int r = 0; r < n; r++)
        for (int j = 0; j < f; j++)
        {
            double s = w.EncoderBias!.Span[j];
            for (int i = 0; i < d; i++) s += (double)xin[r * d + i] * w.EncoderWeight.Span[i * f + j];
            codes[r * f + j] = (float)Math.Max(0, s);
        }
        Fixtures.AssertRelative(codes, h.Codes.ToDense(), 1e-5, "transcoder codes");
        var recon = SpliceTests.NaiveDecode(transcoder, h.Codes);
        for (int r = 0; r < n; r++)
        for (int o = 0; o < d; o++)
        {
            double s = 0;
            for (int i = 0; i < d; i++) s += (double)xin[r * d + i] * w.SkipWeight!.Span[o * d + i];
            recon[r * d + o] += (float)s;
        }
        Fixtures.AssertRelative(recon, h.Reconstruction, 1e-5, "transcoder reconstruction with skip");
        var g = plain.SiteGradients[Site.MlpOut(0)];
        Fixtures.AssertRelative(g.Span, h.ErrorGradient(spliced.Gradients), 1e-6, "error gradient");
        Fixtures.AssertRelative(SpliceTests.NaiveFeatureGradients(transcoder, h.Tracked, g), h.FeatureGradients(spliced.Gradients), 1e-5, "feature gradients");
    }

    [SharedFact]
    public void TrackingChosenFeatures()
    {
        var model = Fixtures.Model(Arch);
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(Arch), "dictionaries"), model.Config);
        var batch = SpliceTests.Batch(Arch);
        var plain = SpliceTests.Run(model, batch, null);
        foreach (var tracking in new[] { TrackedFeatures.All, TrackedFeatures.None })
        {
            var splice = new ModelSplice(set, _ => tracking);
            var spliced = SpliceTests.Run(model, batch, splice);
            foreach (var site in set.Sites)
            {
                var h = splice[site];
                int expectedCount = tracking == TrackedFeatures.All ? h.Codes.Rows * h.Codes.Width : 0;
                Assert.Equal(expectedCount, h.Tracked.NonZeros);
                var grads = h.FeatureGradients(spliced.Gradients);
                Assert.Equal(new[] { 2, expectedCount }, grads.ShapeArray);
                if (expectedCount > 0)
                    Fixtures.AssertRelative(SpliceTests.NaiveFeatureGradients(set[site], h.Tracked, plain.SiteGradients[site]), grads, 1e-5, $"{site} all features");
                // Tracked values are the codes, with zeros where a feature is inactive.
                for (int r = 0; r < h.Tracked.Rows; r += 5)
                    foreach (var j in h.Tracked.IndicesOf(r).ToArray().Take(12))
                        Assert.Equal(h.Codes.ValueAt(r, j), h.Tracked.ValueAt(r, j));
            }
        }
    }

    [Fact]
    public void SparseCodePositions()
    {
        var dense = new float[] { 0, 2, 0, 3, 1, 0, 0, 0 };
        var codes = SparseCodes.FromDense(dense, 2, 4);
        var other = SparseCodes.FromDense(new float[] { 1, 0, 0, 0, 0, 0, 5, 0 }, 2, 4);
        var union = codes.Union(other);
        Assert.Equal(new[] { 0, 3, 5 }, union.RowStart);
        Assert.Equal(new[] { 0, 1, 3, 0, 2 }, union.Indices);
        Assert.Equal(new[] { 0f, 2, 3, 1, 0 }, union.Values);
        Assert.Equal(dense, codes.ToDense().ToArray());
    }
}
