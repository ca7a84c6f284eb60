using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Quality;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Quality;

/// <summary>
/// sae-eval's metrics on the tiny fixture Llama (d = 32, 2 layers) over random token contexts: on dictionaries whose
/// values are known by construction (a sign-split SAE that reconstructs exactly: EV 1, MSE 0, CE recovered 1; a zero
/// decoder: EV ≤ 0, CE recovered 0), and on random dictionaries against a recomputation written here from the
/// definitions (dense encoding, full forward passes with hooks, float64 NLL per position).
/// </summary>
public class SaeEvaluatorTests
{
    private const int ContextLength = 12, Contexts = 10;

    private static readonly Lazy<Transformer> Model = new(() => Fixtures.Model("tiny_llama"));

    private static int[][] RandomContexts(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Contexts).Select(_ => Enumerable.Range(0, ContextLength).Select(_ => rng.Next(97)).ToArray()).ToArray();
    }

    [SharedTheory]
    [InlineData("embed")]
    [InlineData("attn_1")]
    [InlineData("mlp_0")]
    [InlineData("resid_0")]
    [InlineData("resid_1")]
    public void ExactReconstructionScoresPerfectly(string siteName)
    {
        var site = Site.Parse(siteName);
        int d = Model.Value.Config.DModel;
        // f = (ReLU(x), ReLU(−x)), x̂ = ReLU(x) − ReLU(−x) = x exactly.
        var wEnc = Tensor.Zeros(d, 2 * d);
        var wDec = Tensor.Zeros(2 * d, d);
        for (int i = 0; i < d; i++)
        {
            wEnc[i, i] = 1f;
            wEnc[i, d + i] = -1f;
            wDec[i, i] = 1f;
            wDec[d + i, i] = -1f;
        }
        var sae = ReluSae.Create(site, wEnc, Tensor.Zeros(2 * d), wDec, Tensor.Zeros(d));
        var q = Assert.Single(SaeEvaluator.Evaluate(Model.Value, new DictionarySet([sae]), RandomContexts(1), new SaeEvalOptions { ContextsPerForward = 4 }));

        Assert.Equal(siteName, q.Site);
        Assert.Equal(1.0, q.ExplainedVariance, 12);
        Assert.Equal(0.0, q.Mse, 12);
        Assert.Equal(1.0, q.CeLossRecovered, 6);
        Assert.Equal(q.CeClean, q.CeSpliced, 6);
        Assert.Equal(d, q.L0, 6); // exactly one of each pair fires (no coordinate is exactly 0)
        Assert.Equal(Contexts * ContextLength, q.Tokens);
    }

    [SharedTheory]
    [InlineData("mlp_1")]
    [InlineData("resid_0")]
    public void ZeroDecoderExplainsNothingAndRecoversNothing(string siteName)
    {
        var site = Site.Parse(siteName);
        int d = Model.Value.Config.DModel, f = 16;
        var rng = new Random(2);
        var sae = ReluSae.Create(site, Tensor.RandomNormal(rng, 1f, d, f), Tensor.Zeros(f), Tensor.Zeros(f, d), Tensor.Zeros(d));
        var q = Assert.Single(SaeEvaluator.Evaluate(Model.Value, new DictionarySet([sae]), RandomContexts(2)));
        Assert.True(q.ExplainedVariance <= 0, $"EV {q.ExplainedVariance}");
        Assert.Equal(q.CeZero, q.CeSpliced, 12);
        Assert.Equal(0.0, q.CeLossRecovered, 12);
    }

    [SharedTheory]
    [InlineData("attn_0", false)]
    [InlineData("resid_1", false)]
    [InlineData("mlp_0", true)]
    public void MetricsEqualARecomputationFromTheDefinitions(string siteName, bool transcoder)
    {
        var model = Model.Value;
        var site = Site.Parse(siteName);
        var inputSite = transcoder ? Site.MlpInput(site.Layer) : site;
        int d = model.Config.DModel, width = 40, k = 6;
        var rng = new Random(3);
        var bEnc = Tensor.RandomNormal(rng, 0.1f, width);
        bEnc[0] = bEnc[1] = -1e4f; // never fire: dead
        bEnc[2] = 1e4f; // always among the top k: dense
        var wDec = Tensor.RandomNormal(rng, 0.3f, width, d);
        wDec.Span.Slice(2 * d, d).Clear(); // the always-on feature writes nothing
        var weights = SaeWeights.SaeLens(Tensor.RandomNormal(rng, 0.5f, d, width), bEnc, wDec,
            Tensor.RandomNormal(rng, 0.1f, d), applyDecoderBiasToInput: !transcoder);
        IFeatureDictionary dictionary = new TopKSae(new DictionaryInfo("topk", inputSite, site, "random"), weights, k);
        var contexts = RandomContexts(3);

        var q = Assert.Single(SaeEvaluator.Evaluate(model, new DictionarySet([dictionary]), contexts, new SaeEvalOptions { ContextsPerForward = 3 }));

        // The definitions, one context at a time, with dense features and full forward passes.
        double sqErr = 0, clean = 0, spliced = 0, zeroed = 0;
        long nonZero = 0, predictions = 0;
        var fires = new long[width];
        var rows = new List<float[]>();
        using var _ = Tape.NoGrad();
        foreach (var ids in contexts)
        {
            var batch = TokenBatch.Single(ids);
            Tensor? x = null, y = null;
            var read = new ForwardHooks().Read(inputSite.Name, a => x = a).Read(site.Name, a => y = a);
            var cleanLogits = model.Forward(batch, read);
            var features = dictionary.Encode(x!.View(ContextLength, d));
            var reconstruction = dictionary.Decode(features).View(1, ContextLength, d);
            for (int t = 0; t < ContextLength; t++)
            {
                for (int j = 0; j < d; j++)
                {
                    double e = y![0, t, j] - reconstruction[0, t, j];
                    sqErr += e * e;
                }
                rows.Add(y!.Span.Slice(t * d, d).ToArray());
                for (int j = 0; j < width; j++)
                    if (features[t, j] != 0) { nonZero++; fires[j]++; }
            }
            var splicedLogits = model.Forward(batch, new ForwardHooks().Replace(site.Name, _ => reconstruction));
            var zeroLogits = model.Forward(batch, new ForwardHooks().Replace(site.Name, a => Tensor.Zeros(a.ShapeArray)));
            int v = model.Config.VocabSize;
            for (int t = 0; t + 1 < ContextLength; t++)
            {
                clean += Inference.Nll(cleanLogits.Span.Slice(t * v, v), ids[t + 1]);
                spliced += Inference.Nll(splicedLogits.Span.Slice(t * v, v), ids[t + 1]);
                zeroed += Inference.Nll(zeroLogits.Span.Slice(t * v, v), ids[t + 1]);
                predictions++;
            }
        }
        int n = rows.Count;
        var mean = Enumerable.Range(0, d).Select(j => rows.Average(r => (double)r[j])).ToArray();
        double variance = rows.Sum(r => Enumerable.Range(0, d).Sum(j => (r[j] - mean[j]) * (r[j] - mean[j])));

        Assert.Equal(n, q.Tokens);
        Assert.Equal((double)nonZero / n, q.L0, 9);
        AssertRelative(sqErr / (n * d), q.Mse, 1e-5);
        AssertRelative(1 - sqErr / variance, q.ExplainedVariance, 1e-5);
        AssertRelative(clean / predictions, q.CeClean, 1e-5);
        AssertRelative(spliced / predictions, q.CeSpliced, 1e-5);
        AssertRelative(zeroed / predictions, q.CeZero, 1e-5);
        AssertRelative((zeroed - spliced) / (zeroed - clean), q.CeLossRecovered, 1e-4);
        Assert.Equal(fires.Count(c => c == 0) / (double)width, q.DeadFraction, 12);
        Assert.Equal(fires.Count(c => c > 0.1 * n) / (double)width, q.DenseFraction, 12);
        Assert.True(q.DeadFraction >= 2.0 / width && q.DenseFraction >= 1.0 / width);
    }

    private static void AssertRelative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1e-9, Math.Abs(expected)), $"expected {expected:G9}, got {actual:G9}");
}
