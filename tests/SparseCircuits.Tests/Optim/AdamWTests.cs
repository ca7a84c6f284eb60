using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Optim;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Optim;

public class AdamWTests
{
    [Fact]
    public void MatchesTorchAdamWWithClipping()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.TestData("optim", "adamw_reference.json")));
        var root = doc.RootElement;
        float[] Flat(JsonElement e) => e.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();
        var p = Tensor.FromArray(Flat(root.GetProperty("initial")), 2, 3);
        var opt = new AdamW(new[] { p }, new AdamWOptions(
            LearningRate: root.GetProperty("lr").GetSingle(), Beta1: root.GetProperty("beta1").GetSingle(),
            Beta2: root.GetProperty("beta2").GetSingle(), Epsilon: root.GetProperty("eps").GetSingle(),
            WeightDecay: root.GetProperty("weight_decay").GetSingle(), MaxGradNorm: root.GetProperty("max_norm").GetSingle()));
        var grads = root.GetProperty("grads").EnumerateArray().ToArray();
        var expected = root.GetProperty("after_each_step").EnumerateArray().ToArray();
        var norms = root.GetProperty("norms_before_clip").EnumerateArray().ToArray();
        for (int s = 0; s < grads.Length; s++)
        {
            double norm = opt.Step(new[] { Tensor.FromArray(Flat(grads[s]), 2, 3) });
            Assert.Equal(norms[s].GetDouble(), norm, 5);
            GradCheck.AssertClose(expected[s].EnumerateArray().Select(v => v.GetSingle()).ToArray(), p.ToArray(), 1e-6, $"step {s}");
        }
    }

    [Fact]
    public void UnitNormConstraintAndProjectionKeepRowsOnTheSphere()
    {
        var w = Tensor.FromArray(new float[] { 3, 4, 0, 2 }, 2, 2);
        Constraints.NormalizeRows(w);
        Assert.Equal(new[] { 0.6f, 0.8f, 0f, 1f }, w.ToArray());
        var g = Tensor.FromArray(new float[] { 1, 1, 5, -2 }, 2, 2);
        Constraints.RemoveParallelComponentOfRows(w, g);
        // Row 0: g − (g·w)w with g·w = 1.4 → (1 − 0.84, 1 − 1.12); row 1: the w-component (−2) removed.
        GradCheck.AssertClose(new[] { 0.16f, -0.12f, 5f, 0f }, g.ToArray(), 1e-6);
    }

    [Fact]
    public void ConstraintRunsAfterEveryStep()
    {
        var w = Tensor.FromArray(new float[] { 1, 0, 0, 1 }, 2, 2);
        var opt = new AdamW(new[] { w }, new AdamWOptions(LearningRate: 0.1f, WeightDecay: 0));
        opt.AfterStep(() => Constraints.NormalizeRows(w));
        opt.Step(new[] { Tensor.FromArray(new float[] { -1, -1, 1, 0 }, 2, 2) });
        for (int r = 0; r < 2; r++) Assert.Equal(1.0, Math.Sqrt(w[r, 0] * w[r, 0] + w[r, 1] * w[r, 1]), 5);
    }
}
