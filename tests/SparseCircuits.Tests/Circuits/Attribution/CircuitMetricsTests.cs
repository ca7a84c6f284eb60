using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>The built-in metrics equal float64 values computed in the test from the full-vocabulary logits.</summary>
public sealed class CircuitMetricsTests
{
    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_llama")]
    public void MetricsEqualTheirDefinitionsOnFullLogits(string arch)
    {
        var model = Fixtures.Model(arch);
        var tokens = new TokenBatch(Enumerable.Range(0, 10).Select(i => (7 * i + 3) % 97).ToArray(), 2, 5);
        var targets = new MetricTargets([11, 40], [12, 11]);
        using var _ = Tape.NoGrad();
        var logits = model.Forward(tokens);
        var residual = model.ResidualStream(tokens);
        int v = logits.Dim(2);
        for (int b = 0; b < 2; b++)
        {
            var row = logits.Span.Slice((b * 5 + 4) * v, v).ToArray();
            double max = row.Max(), logZ = max + Math.Log(row.Sum(x => Math.Exp(x - max)));
            int clean = targets.CleanAnswers[b], patch = targets.PatchAnswers![b];
            Assert.Equal((double)row[patch] - row[clean], CircuitMetrics.LogitDifference(model, residual, targets).Span[b], 1e-5);
            Assert.Equal((double)row[clean] - row[patch], CircuitMetrics.EvaluationLogitDifference(model, residual, targets).Span[b], 1e-5);
            Assert.Equal(logZ - row[clean], CircuitMetrics.NegativeLogProbability(model, residual, targets).Span[b], 1e-5);
            Assert.Equal(-row[clean], CircuitMetrics.NegativeLogit(model, residual, targets).Span[b], 1e-5);
        }
    }

    [Fact]
    public void LogitDifferenceNeedsPatchAnswers()
    {
        var targets = new MetricTargets([1], null);
        Assert.Throws<InvalidOperationException>(() => targets.RequirePatchAnswers());
        Assert.Equal(MetricKind.NegativeLogProbability, CircuitMetrics.DefaultFor(paired: false));
    }
}
