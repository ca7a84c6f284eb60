using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>Mathematical identities node effects must satisfy, checked on the fixture models.</summary>
public sealed class AttributionIdentityTests
{
    /// <summary>
    /// IG completeness: per example and site, Σ of all node effects → m(site patched) − m(clean) as the steps grow
    /// (the left Riemann sum converges as 1/N). The error is measured against the largest |m(patched) − m(clean)| of the
    /// batch; the PyTorch reference's own float64 check (results/*_ig_none_edges.json, self_checks.ig_completeness) has
    /// errors of 0.6–0.7 % of that scale at 100 steps, so about 1 % at 64. tiny_llama is left out: there the reference's own check
    /// shows 1.8 % at 100 steps (embed), and ours 2.9 % at 64. m(site patched) comes from a plain forward with the site's activation
    /// replaced by the patch run's, logits over the whole vocabulary.
    /// </summary>
    private const double Tolerance = 0.0125;

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    public void IntegratedGradientsAreCompleteAt64Steps(string arch)
    {
        var model = AttributionFixture.Model(arch);
        var dicts = AttributionFixture.Dictionaries(arch, model);
        var batch = ExampleBatches.Split(AttributionFixture.Examples(arch), 8)[0];
        var result = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Steps = 64 });
        var clean = TokenBatch.Stack(batch.CleanIds);
        var patch = TokenBatch.Stack(batch.PatchIds!);
        var cleanDiff = LogitDifference(model.Forward(clean), batch);
        double worst = 0;
        foreach (var site in dicts.Sites)
        {
            Tensor? patched = null;
            using (Tape.NoGrad()) model.Forward(patch, new ForwardHooks().Read(site.Name, x => patched = x.Clone()));
            var withPatch = LogitDifference(model.Forward(clean, new ForwardHooks().Replace(site.Name, _ => patched!)), batch);
            var effects = result.Sites[site].Effects;
            int perExample = effects.Length / batch.Count;
            double scale = Enumerable.Range(0, batch.Count).Max(b => Math.Abs(withPatch[b] - cleanDiff[b]));
            for (int b = 0; b < batch.Count; b++)
            {
                double total = 0;
                foreach (var v in effects.Span.Slice(b * perExample, perExample)) total += v;
                double expected = withPatch[b] - cleanDiff[b];
                worst = Math.Max(worst, Math.Abs(total - expected) / scale);
                Assert.True(Math.Abs(total - expected) <= Tolerance * scale,
                    $"{arch} {site} example {b}: Σ IE = {total}, m(patched) − m(clean) = {expected} (error/scale {Math.Abs(total - expected) / scale})");
            }
        }
        Assert.True(worst > 0, "IG at 64 steps cannot be exact on a nonlinear model");
    }

    /// <summary>With a metric linear in the last residual stream and the site being that stream, the metric is affine
    /// in the features and errors: exact patching, attribution patching and IG (any N) agree.</summary>
    [SharedFact]
    public void ExactEqualsAttributionPatchingWhereTheModelIsLinearInTheSite()
    {
        const string arch = "tiny_gpt2";
        var model = AttributionFixture.Model(arch);
        var all = AttributionFixture.Dictionaries(arch, model);
        var last = Site.ResidPost(model.Config.Layers - 1);
        var dicts = new DictionarySet(new[] { all[last] });
        var probe = Tensor.RandomNormal(new Random(5), 1f, 1, model.Config.DModel);
        MetricFunction linear = (_, residual, _) =>
            Shaping.Reshape(MatMul.Linear(CircuitMetrics.LastPosition(residual), probe), residual.Dim(0));
        var batch = ExampleBatches.Split(AttributionFixture.Examples(arch), 8)[0];
        var exact = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Method = AttributionMethod.Exact, Metric = linear });
        var atp = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Method = AttributionMethod.AttributionPatching, Metric = linear });
        var ig = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Steps = 3, Metric = linear });
        var want = exact.Sites[last].Effects;
        Assert.Contains(want.Span.ToArray(), v => v != 0);
        Fixtures.AssertRelative(want.Span, atp.Sites[last].Effects, 1e-4, "atp vs exact");
        Fixtures.AssertRelative(want.Span, ig.Sites[last].Effects, 1e-4, "ig vs exact");
    }

    /// <summary>Effects of an example do not depend on the batch it runs in.</summary>
    [SharedFact]
    public void BatchSizeOneAndTenGiveTheSameEffects()
    {
        const string arch = "tiny_gpt_neox";
        var model = AttributionFixture.Model(arch);
        var dicts = AttributionFixture.Dictionaries(arch, model);
        var examples = AttributionFixture.Examples(arch).Take(10).ToList();
        var options = new AttributionOptions { Steps = 4 };
        var ten = NodeAttributor.Attribute(model, dicts, ExampleBatches.Split(examples, 10)[0], options);
        var ones = ExampleBatches.Split(examples, 1).Select(b => NodeAttributor.Attribute(model, dicts, b, options)).ToList();
        foreach (var site in dicts.Sites)
        {
            var separate = ones.SelectMany(o => o.Sites[site].Effects.ToArray()).ToArray();
            Fixtures.AssertRelative(ten.Sites[site].Effects.Span, Tensor.FromArray(separate, separate.Length), 1e-5, $"{site}");
        }
    }

    /// <summary>"sum" aggregation is "none" summed over positions; "last" is its last position.</summary>
    [SharedFact]
    public void SumIsNoneSummedOverPositionsAndLastIsTheLastRow()
    {
        var batches = AttributionFixture.Run("tiny_llama", new AttributionOptions { Method = AttributionMethod.AttributionPatching });
        var none = Aggregate(batches, NodeAggregation.None);
        var sum = Aggregate(batches, NodeAggregation.Sum);
        var lastRow = Aggregate(batches, NodeAggregation.Last);
        for (int i = 0; i < none.Count; i++)
        {
            int s = none[i].Effects.Dim(0), width = none[i].Effects.Dim(1);
            var summed = new float[width];
            var final = new float[width];
            for (int p = 0; p < s; p++)
                for (int j = 0; j < width; j++)
                {
                    summed[j] += none[i].Effects.Span[p * width + j];
                    if (p == s - 1) final[j] = none[i].Effects.Span[p * width + j];
                }
            Fixtures.AssertRelative(summed, sum[i].Effects, 1e-5, "sum");
            Fixtures.AssertRelative(final, lastRow[i].Effects, 1e-6, "last");
        }
    }

    private static IReadOnlyList<SparseCircuits.Circuits.NodeEffects> Aggregate(IReadOnlyList<BatchAttribution> batches, NodeAggregation aggregation)
    {
        var accumulator = new EffectAccumulator(aggregation);
        foreach (var b in batches) accumulator.Add(b);
        return accumulator.Result();
    }

    /// <summary>L[patch] − L[clean] at the last position from full-vocabulary logits [B, S, V].</summary>
    private static double[] LogitDifference(Tensor logits, ExampleBatch batch)
    {
        int s = logits.Dim(1), v = logits.Dim(2);
        return Enumerable.Range(0, batch.Count).Select(b =>
        {
            var row = logits.Span.Slice((b * s + s - 1) * v, v);
            return (double)row[batch.PatchAnswerIds![b]] - row[batch.CleanAnswerIds[b]];
        }).ToArray();
    }
}
