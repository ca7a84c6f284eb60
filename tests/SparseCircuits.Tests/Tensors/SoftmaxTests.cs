using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class SoftmaxTests
{
    private static readonly System.Text.Json.JsonElement Reference = OpReference.Load("norms_softmax.json");

    private static Tensor R(int seed, float std, params int[] shape) => Tensor.RandomNormal(new Random(seed), std, shape);

    [Fact]
    public void MatchesPyTorchIncludingPeakedOffsetAndUnderflowingRows()
    {
        var shape = Reference.Ints("shape");
        var x = Reference.Tensor32("x", shape).RequireGrad();
        using var tape = Tape.Record();
        var p = SoftmaxOps.Softmax(x);
        var logP = SoftmaxOps.LogSoftmax(x);
        OpReference.AssertNear(Reference.F64("softmax_f64"), p.Span, 1e-6, 1e-12, "softmax vs PyTorch float64");
        OpReference.AssertNear(Reference.F32("softmax"), p.Span, 1e-6, 1e-12, "softmax vs PyTorch float32");
        OpReference.AssertNear(Reference.F64("log_softmax_f64"), logP.Span, 1e-6, 1e-6, "log_softmax vs PyTorch float64");
        OpReference.AssertNear(Reference.F32("log_softmax"), logP.Span, 1e-6, 1e-6, "log_softmax vs PyTorch float32");

        var seed = Reference.Tensor32("seed", shape);
        OpReference.AssertCloseToMax(Reference.F64("softmax_grad_x_f64"), tape.Backward(p, seed).Of(x).Span, 1e-5, "softmax ∂x");
        OpReference.AssertCloseToMax(Reference.F64("log_softmax_grad_x_f64"), tape.Backward(logP, seed).Of(x).Span, 1e-5, "log_softmax ∂x");
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var x = R(1, 2f, 2, 3, 5);
        GradCheck.Check(t => SoftmaxOps.Softmax(t[0]), new[] { x });
        GradCheck.Check(t => SoftmaxOps.LogSoftmax(t[0]), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => SoftmaxOps.Softmax(t[0]), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => SoftmaxOps.LogSoftmax(t[0]), new[] { x });
    }

    [Fact]
    public void VocabularySizedRowsMatchAFloat64Definition()
    {
        // 50 257 columns (GPT-2's vocabulary) over several rows: the float64 block sums and the parallel row split.
        int rows = 6, v = 50_257;
        var x = R(2, 4f, rows, v);
        var p = SoftmaxOps.Softmax(x);
        var logP = SoftmaxOps.LogSoftmax(x);
        var expectedP = new double[x.Length];
        var expectedLog = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Span.Slice(r * v, v).ToArray();
            double max = row.Max(), sum = row.Sum(e => Math.Exp(e - max));
            for (int j = 0; j < v; j++)
            {
                expectedP[r * v + j] = Math.Exp(row[j] - max) / sum;
                expectedLog[r * v + j] = row[j] - max - Math.Log(sum);
            }
        }
        OpReference.AssertNear(expectedP, p.Span, 2e-6, 1e-15, "softmax");
        OpReference.AssertNear(expectedLog, logP.Span, 1e-6, 1e-6, "log_softmax");
    }

    [Fact]
    public void IdentitiesHold()
    {
        var x = R(3, 3f, 4, 9);
        var p = SoftmaxOps.Softmax(x);
        for (int r = 0; r < 4; r++) Assert.Equal(1.0, p.Span.Slice(r * 9, 9).ToArray().Sum(v => (double)v), 6);
        // Shift invariance per row, and log(softmax) = log_softmax.
        var shifted = SoftmaxOps.Softmax(Elementwise.AddScalar(x, 37f));
        GradCheck.AssertClose(p.Span, shifted.Span, 1e-5, "shifted");
        var logP = SoftmaxOps.LogSoftmax(x).ToArray();
        GradCheck.AssertClose(p.ToArray().Select(v => MathF.Log(v)).ToArray(), logP, 1e-5, "log softmax");
    }
}
