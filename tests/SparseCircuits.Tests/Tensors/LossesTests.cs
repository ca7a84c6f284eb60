using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class LossesTests
{
    private static readonly System.Text.Json.JsonElement Reference = OpReference.Load("norms_losses.json");

    private static Tensor Logits() => Reference.Tensor32("logits", Reference.Ints("shape"));

    [Fact]
    public void CrossEntropyMatchesPyTorchWithIgnoredRows()
    {
        var logits = Logits().RequireGrad();
        var targets = Reference.Ints("targets");
        using var tape = Tape.Record();
        var loss = Losses.CrossEntropy(logits, targets);
        OpReference.AssertNear([Reference.GetProperty("cross_entropy_f64").GetDouble()], loss.Span, 1e-7, 0, "mean loss vs float64");
        OpReference.AssertNear([Reference.GetProperty("cross_entropy").GetDouble()], loss.Span, 1e-6, 0, "mean loss vs float32");
        OpReference.AssertCloseToMax(Reference.F64("grad_logits_f64"), tape.Backward(loss).Of(logits).Span, 1e-6, "∂logits");
    }

    [Fact]
    public void PerRowLossesMatchPyTorchReductionNone()
    {
        var targets = Reference.Ints("targets");
        var perRow = Losses.NegativeLogLikelihoodPerRow(Logits(), targets);
        Assert.Equal(new[] { targets.Length }, perRow.ShapeArray);
        OpReference.AssertNear(Reference.F64("per_row_f64"), perRow.Span, 1e-6, 1e-7, "per row vs float64");
        OpReference.AssertNear(Reference.F32("per_row"), perRow.Span, 1e-6, 1e-6, "per row vs float32");
        Assert.Equal(0f, perRow[2]);
        Assert.Equal(0f, perRow[7]);
    }

    [Fact]
    public void AnotherIgnoreIndexIsHonoured()
    {
        var loss = Losses.CrossEntropy(Logits(), Reference.Ints("targets_ignore7"), ignoreIndex: 7);
        OpReference.AssertNear([Reference.GetProperty("cross_entropy_ignore7_f64").GetDouble()], loss.Span, 1e-6, 0, "ignore_index=7");
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = Tensor.RandomNormal(new Random(1), 2f, 5, 7);
        int[] targets = [3, -100, 0, 6, 2];
        GradCheck.Check(t => Losses.CrossEntropy(t[0], targets), new[] { x });
        GradCheck.Check(t => Losses.NegativeLogLikelihoodPerRow(t[0], targets), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Losses.CrossEntropy(t[0], targets), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Losses.NegativeLogLikelihoodPerRow(t[0], targets), new[] { x });
    }

    [Fact]
    public void LeadingDimensionsAreRows()
    {
        var x = Tensor.RandomNormal(new Random(2), 1f, 2, 3, 11);
        int[] targets = [0, 10, 5, -100, 4, 4];
        var perRow = Losses.NegativeLogLikelihoodPerRow(x, targets);
        Assert.Equal(new[] { 2, 3 }, perRow.ShapeArray);
        // Independent route: −log_softmax gathered at the target, and the mean over the counted rows.
        var logP = SoftmaxOps.LogSoftmax(x);
        double total = 0;
        for (int r = 0; r < 6; r++)
        {
            float expected = targets[r] == -100 ? 0f : -logP.Span[r * 11 + targets[r]];
            Assert.Equal(expected, perRow.Span[r], 5);
            total += expected;
        }
        Assert.Equal(total / 5, Losses.CrossEntropy(x, targets).ToFloat(), 5);
    }

    [Fact]
    public void OneDimensionalLogitsAreASingleRow()
    {
        var x = Tensor.FromArray(new float[] { 1f, 2f, 3f }, 3);
        double expected = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 2;
        Assert.Equal(expected, Losses.CrossEntropy(x, [1]).ToFloat(), 6);
        var perRow = Losses.NegativeLogLikelihoodPerRow(x, [1]);
        Assert.Equal(0, perRow.Rank);
        Assert.Equal(expected, perRow.ToFloat(), 6);
    }

    [Fact]
    public void AllRowsIgnoredGivesNaNAndNoGradientAsInPyTorch()
    {
        var x = Tensor.RandomNormal(new Random(3), 1f, 2, 4).RequireGrad();
        using var tape = Tape.Record();
        var loss = Losses.CrossEntropy(x, [-100, -100]);
        Assert.True(float.IsNaN(loss.ToFloat()));
        Assert.All(tape.Backward(loss).Of(x).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BadTargetsAreRejected()
    {
        var x = Tensor.Zeros(2, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(x, [0, 4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropy(x, [-1, 0]));
        Assert.Throws<ArgumentException>(() => Losses.NegativeLogLikelihoodPerRow(x, [0]));
    }
}
