using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Splicing;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>
/// Splicing every site of a fixture model leaves its logits and its gradients unchanged, records the plain model's site
/// gradient as the error gradient, and gives feature gradients W_dec·g (computed naively here in float64), for two
/// seeds in one backward pass.
/// </summary>
public class SpliceTests
{
    private const int Seeds = 2;

    public static TheoryData<string, string> Sets()
    {
        var data = new TheoryData<string, string>();
        foreach (var arch in Fixtures.Architectures)
        {
            data.Add(arch, "dictionaries");
            data.Add(arch, "saelens_jumprelu");
        }
        data.Add("tiny_gpt_neox", DictionarySet.NeuronsName);
        return data;
    }

    [SharedTheory]
    [MemberData(nameof(Sets))]
    public void SplicingEverySiteChangesNothingAndRecordsGradients(string arch, string folder)
    {
        var model = Fixtures.Model(arch);
        var set = folder == DictionarySet.NeuronsName
            ? DictionarySet.Load(folder, model.Config)
            : DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), folder), model.Config);
        Assert.Equal(Site.DictionarySites(model.Config), set.Sites);
        var batch = Batch(arch);

        var plain = Run(model, batch, null);
        var splice = new ModelSplice(set);
        var spliced = Run(model, batch, splice);

        Fixtures.AssertRelative(plain.Logits.Span, spliced.Logits, 1e-5, "spliced logits");
        Assert.True(plain.Logits.Span.SequenceEqual(spliced.Logits.Span), "splicing should return the activation bit for bit");
        Fixtures.AssertRelative(plain.Gradients.Batched(plain.Embedding)!.Span, spliced.Gradients.Batched(spliced.Embedding)!, 1e-5, "gradient w.r.t. the embeddings");

        foreach (var site in set.Sites)
        {
            var h = splice[site];
            var g = plain.SiteGradients[site];
            Assert.Equal(Shapes.Prepend(Seeds, h.Error.Shape), g.ShapeArray);
            Fixtures.AssertRelative(g.Span, h.ErrorGradient(spliced.Gradients), 1e-5, $"{site} error gradient");
            var want = NaiveFeatureGradients(set[site], h.Tracked, g);
            Assert.Equal(h.Codes.NonZeros, h.Tracked.NonZeros);
            Assert.True(want.Length > 0, $"{site}: no active features");
            Fixtures.AssertRelative(want, h.FeatureGradients(spliced.Gradients), 1e-5, $"{site} feature gradients");
            if (set[site] is IdentityDictionary)
                Assert.All(h.Error.ToArray(), e => Assert.Equal(0f, e));
        }
    }

    [SharedFact]
    public void FeatureGradientsMatchFiniteDifferencesThroughTheModel()
    {
        const string arch = "tiny_gpt_neox";
        var model = Fixtures.Model(arch);
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), "dictionaries"), model.Config);
        var batch = Batch(arch);
        var seed = Tensor.RandomUniform(new Random(7), -1f, 1f, batch.Batch, batch.Length, model.Config.VocabSize);
        var splice = new ModelSplice(set);
        Gradients grads;
        using (var tape = Tape.Record())
        {
            var logits = model.Forward(batch, splice.Hooks());
            grads = tape.Backward(logits, seed);
        }
        foreach (var site in new[] { Site.Embed, Site.AttnOut(0), Site.MlpOut(1), Site.ResidPost(0) })
        {
            var h = splice[site];
            var analytic = h.FeatureGradients(grads).ToArray();
            double scale = analytic.Max(Math.Abs);
            for (int e = 0; e < h.Tracked.NonZeros; e += Math.Max(1, h.Tracked.NonZeros / 6))
            {
                const float step = 0.05f;
                double plus = Metric(model, batch, seed, site, set[site], h.Codes, e, step);
                double minus = Metric(model, batch, seed, site, set[site], h.Codes, e, -step);
                double numeric = (plus - minus) / (2 * step);
                Assert.True(Math.Abs(numeric - analytic[e]) <= 1e-2 * scale,
                    $"{site} entry {e}: analytic {analytic[e]:G6} vs finite difference {numeric:G6}");
            }
        }
    }

    [SharedFact]
    public void WithoutATapeTheSpliceOnlyFillsItsHandles()
    {
        const string arch = "tiny_llama";
        var model = Fixtures.Model(arch);
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), "saelens"), model.Config);
        var batch = Batch(arch);
        var seen = new Dictionary<Site, Tensor>();
        var hooks = new ForwardHooks();
        foreach (var site in set.Sites) hooks.Read(site.Name, x => seen[site] = x.Clone());
        var splice = new ModelSplice(set);
        splice.AddTo(hooks);
        var logits = model.Forward(batch, hooks);
        Assert.Equal(model.Forward(batch).ToArray(), logits.ToArray());
        foreach (var site in set.Sites)
        {
            var h = splice[site];
            Assert.False(h.Error.RequiresGrad);
            var x = seen[site].ToArray();
            var xHat = h.Reconstruction.ToArray();
            var error = h.Error.ToArray();
            for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] - xHat[i], error[i]);
            // x̂ = Σ f_j W_dec[j] + b_dec, computed here from the codes in float64.
            var naive = NaiveDecode(set[site], h.Codes);
            Fixtures.AssertRelative(naive, h.Reconstruction, 1e-5, $"{site} reconstruction");
        }
    }

    [SharedFact]
    public void InterventionsEditFeaturesAndError()
    {
        const string arch = "tiny_gpt2";
        var model = Fixtures.Model(arch);
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), "dictionaries"), model.Config);
        using var expected = Fixtures.Expected(arch);
        var x = FixtureEncodingTests.Activations(expected.RootElement, "resid_0", model.Config.DModel);
        var dict = set[Site.ResidPost(0)];

        Fixtures.AssertRelative(x.Span, Splice.Intervene(x, dict, null), 1e-5, "no edit gives x̂ + ε = x");
        // All features off: b_dec + ε = x − Σ f_j W_dec[j].
        var codes = dict.EncodeSparse(x);
        var contribution = NaiveDecode(dict, codes);
        var bias = dict.DecoderBias.ToArray();
        var want = x.ToArray().Select((v, i) => v - (contribution[i] - bias[i % bias.Length])).ToArray();
        Fixtures.AssertRelative(want, Splice.Intervene(x, dict, c => SparseCodes.Empty(c.Rows, c.Width)), 1e-5, "features ablated");
        // Error ablated: x̂ only.
        Fixtures.AssertRelative(contribution, Splice.Intervene(x, dict, null, e => Tensor.Zeros(e.ShapeArray)), 1e-5, "error ablated");
    }

    [SharedFact]
    public void SubstitutedFeaturesAndErrorCarryTheSameGradients()
    {
        const string arch = "tiny_gpt2";
        var model = Fixtures.Model(arch);
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), "dictionaries"), model.Config);
        var batch = Batch(arch);
        var site = Site.ResidPost(0);
        var probe = new ModelSplice(set);
        model.Forward(batch, probe.Hooks());
        var codes = probe[site].Codes;
        var error = probe[site].Error.Clone().RequireGrad();

        var plain = Run(model, batch, null);
        var handles = new SpliceHandles();
        var substituted = Run(model, batch, null, hooks => hooks.Replace(site.Name, x => Splice.Substitute(set[site], codes, error, handles)));
        Fixtures.AssertRelative(plain.Logits.Span, substituted.Logits, 1e-5, "logits with dec(f) + ε substituted");
        var g = plain.SiteGradients[site];
        Fixtures.AssertRelative(g.Span, handles.ErrorGradient(substituted.Gradients), 1e-5, "error gradient");
        Fixtures.AssertRelative(g.Span, substituted.Gradients.Batched(error)!, 1e-5, "gradient passed on to the given error");
        Fixtures.AssertRelative(NaiveFeatureGradients(set[site], handles.Tracked, g), handles.FeatureGradients(substituted.Gradients), 1e-5, "feature gradients");
    }

    internal static TokenBatch Batch(string arch)
    {
        using var expected = Fixtures.Expected(arch);
        var ids = Fixtures.Ints(expected.RootElement.GetProperty("ids"));
        return TokenBatch.Stack(new[] { ids, ids.Reverse().ToArray() });
    }

    internal sealed record RunResult(Tensor Logits, Tensor Embedding, Gradients Gradients, Dictionary<Site, Tensor> SiteGradients);

    /// <summary>Forward with the embedding output made a gradient leaf, then one backward pass of two random seeds over
    /// all logits, reading the gradient at every dictionary site.</summary>
    internal static RunResult Run(Transformer model, TokenBatch batch, ModelSplice? splice, Action<ForwardHooks>? addHooks = null)
    {
        Tensor? embedding = null;
        var hooks = new ForwardHooks().Replace(Site.Embed.Name, x => embedding = x.Detach().RequireGrad());
        splice?.AddTo(hooks);
        addHooks?.Invoke(hooks);
        var siteGradients = new Dictionary<Site, Tensor>();
        var gradHooks = new GradHooks();
        foreach (var site in Site.DictionarySites(model.Config)) gradHooks.Read(site.Name, g => siteGradients[site] = g.Clone());
        using var tape = Tape.Record();
        var logits = model.Forward(batch, hooks);
        var seeds = Tensor.RandomUniform(new Random(3), -1f, 1f, Shapes.Prepend(Seeds, logits.Shape));
        var grads = tape.BackwardBatched(logits, seeds, gradHooks);
        return new RunResult(logits, embedding!, grads, siteGradients);
    }

    /// <summary>∂m/∂f_j = Σ_i W_dec[j, i]·g[k, row, i] in float64, for every seed and tracked entry.</summary>
    internal static float[] NaiveFeatureGradients(IFeatureDictionary dict, SparseCodes tracked, Tensor g)
    {
        int k = g.Dim(0), d = dict.OutputDim, nnz = tracked.NonZeros;
        var w = dict.DecoderWeight.ToArray();
        var gs = g.ToArray();
        var result = new float[k * nnz];
        for (int s = 0; s < k; s++)
        for (int r = 0; r < tracked.Rows; r++)
        {
            var idx = tracked.IndicesOf(r);
            for (int e = 0; e < idx.Length; e++)
            {
                double sum = 0;
                for (int i = 0; i < d; i++) sum += (double)w[idx[e] * d + i] * gs[(s * tracked.Rows + r) * d + i];
                result[s * nnz + tracked.RowStart[r] + e] = (float)sum;
            }
        }
        return result;
    }

    /// <summary>Σ_j f_j W_dec[j] + b_dec per row, in float64.</summary>
    internal static float[] NaiveDecode(IFeatureDictionary dict, SparseCodes codes)
    {
        int d = dict.OutputDim;
        var w = dict.DecoderWeight.ToArray();
        var b = dict.DecoderBias.ToArray();
        var result = new float[codes.Rows * d];
        for (int r = 0; r < codes.Rows; r++)
        {
            var idx = codes.IndicesOf(r);
            var val = codes.ValuesOf(r);
            for (int i = 0; i < d; i++)
            {
                double sum = b[i];
                for (int e = 0; e < idx.Length; e++) sum += (double)val[e] * w[idx[e] * d + i];
                result[r * d + i] = (float)sum;
            }
        }
        return result;
    }

    /// <summary>m = Σ seed ⊙ logits (float64) with feature entry <paramref name="entry"/> of the site's codes moved by
    /// <paramref name="delta"/> and the error kept.</summary>
    private static double Metric(Transformer model, TokenBatch batch, Tensor seed, Site site, IFeatureDictionary dict, SparseCodes codes, int entry, float delta)
    {
        var values = (float[])codes.Values.Clone();
        values[entry] += delta;
        var moved = new SparseCodes(codes.Rows, codes.Width, codes.RowStart, codes.Indices, values);
        var hooks = new ForwardHooks().Replace(site.Name, x => Splice.Intervene(x, dict, _ => moved));
        var logits = model.Forward(batch, hooks).ToArray();
        var s = seed.ToArray();
        double m = 0;
        for (int i = 0; i < s.Length; i++) m += (double)s[i] * logits[i];
        return m;
    }
}
