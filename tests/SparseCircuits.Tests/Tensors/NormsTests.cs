using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class NormsTests
{
    private static readonly System.Text.Json.JsonElement LayerNormReference = OpReference.Load("norms_layernorm.json");
    private static readonly System.Text.Json.JsonElement RmsNormReference = OpReference.Load("norms_rmsnorm.json");

    private static Tensor R(int seed, float std, params int[] shape) => Tensor.RandomNormal(new Random(seed), std, shape);

    private static Tensor Weight(int seed, int d) => Elementwise.AddScalar(R(seed, 0.3f, d), 1f);

    // ---- forward and gradients against PyTorch ----

    [Fact]
    public void LayerNormMatchesPyTorch()
    {
        foreach (var c in LayerNormReference.Cases())
        {
            string name = c.GetProperty("name").GetString()!;
            var shape = c.Ints("shape");
            float eps = c.GetProperty("eps").GetSingle();
            bool affine = c.TryGetProperty("weight", out _);
            var x = c.Tensor32("x", shape).RequireGrad();
            var w = affine ? c.Tensor32("weight", [shape[^1]]).RequireGrad() : null;
            var b = affine ? c.Tensor32("bias", [shape[^1]]).RequireGrad() : null;
            using var tape = Tape.Record();
            var y = Norms.LayerNorm(x, w, b, eps);
            OpReference.AssertNear(c.F64("y_f64"), y.Span, 1e-6, 1e-6, $"{name}: y vs PyTorch float64");
            // PyTorch's float32 kernel computes x·s − mean·s, which cancels by about ulp(|mean|·s) when the rows have
            // a large mean (|mean|·s ≈ 25 in one case); its error grows with that, this op's does not.
            var xs = x.ToArray();
            int d = shape[^1];
            double cancellation = Enumerable.Range(0, xs.Length / d).Max(r =>
            {
                var row = xs.Skip(r * d).Take(d).Select(v => (double)v).ToArray();
                return Math.Abs(row.Average()) * Scale(row, eps, true);
            });
            OpReference.AssertNear(c.F32("y"), y.Span, 1e-6, 1e-6 * (1 + cancellation), $"{name}: y vs PyTorch float32");

            var grads = tape.Backward(y, c.Tensor32("seed", shape));
            OpReference.AssertCloseToMax(c.F64("grad_x_f64"), grads.Of(x).Span, 1e-5, $"{name}: ∂x");
            if (!affine) continue;
            OpReference.AssertCloseToMax(c.F64("grad_weight_f64"), grads.Of(w!).Span, 1e-5, $"{name}: ∂weight");
            OpReference.AssertCloseToMax(c.F64("grad_bias_f64"), grads.Of(b!).Span, 1e-5, $"{name}: ∂bias");
        }
    }

    [Fact]
    public void RmsNormMatchesHuggingFaceLlamaRmsNorm()
    {
        foreach (var c in RmsNormReference.Cases())
        {
            string name = c.GetProperty("name").GetString()!;
            var shape = c.Ints("shape");
            float eps = c.GetProperty("eps").GetSingle();
            var x = c.Tensor32("x", shape).RequireGrad();
            var w = c.Tensor32("weight", [shape[^1]]).RequireGrad();
            using var tape = Tape.Record();
            var y = Norms.RmsNorm(x, w, eps);
            OpReference.AssertNear(c.F32("y"), y.Span, 1e-6, 1e-6, $"{name}: y vs PyTorch float32");
            OpReference.AssertNear(c.F64("y_f64"), y.Span, 1e-6, 1e-6, $"{name}: y vs PyTorch float64");

            var grads = tape.Backward(y, c.Tensor32("seed", shape));
            OpReference.AssertCloseToMax(c.F64("grad_x_f64"), grads.Of(x).Span, 1e-5, $"{name}: ∂x");
            OpReference.AssertCloseToMax(c.F64("grad_weight_f64"), grads.Of(w).Span, 1e-5, $"{name}: ∂weight");
        }
    }

    // ---- finite differences ----

    [Fact]
    public void LayerNormGradientsMatchFiniteDifferences()
    {
        var x = R(1, 1.5f, 2, 3, 6);
        var w = Weight(2, 6);
        var b = R(3, 0.5f, 6);
        GradCheck.Check(t => Norms.LayerNorm(t[0], t[1], t[2], 1e-5f), new[] { x, w, b });
        GradCheck.Check(t => Norms.LayerNorm(t[0], null, null, 0.1f), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Norms.LayerNorm(t[0], t[1], t[2], 1e-5f), new[] { x, w, b });
        GradCheck.BatchedEqualsSeparate(t => Norms.LayerNorm(t[0], t[1], t[2], 1e-5f, freezeScale: true), new[] { x, w, b });
        // A frozen scale changes only the gradient of x: weight and bias still match finite differences of the op.
        GradCheck.Check(t => Norms.LayerNorm(t[0], t[1], t[2], 1e-5f, freezeScale: true), new[] { x, w, b }, skipInputs: [0]);
    }

    [Fact]
    public void RmsNormGradientsMatchFiniteDifferences()
    {
        var x = R(4, 1.5f, 3, 7);
        var w = Weight(5, 7);
        GradCheck.Check(t => Norms.RmsNorm(t[0], t[1], 1e-6f), new[] { x, w });
        GradCheck.Check(t => Norms.RmsNorm(t[0], null, 0.1f), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Norms.RmsNorm(t[0], t[1], 1e-6f), new[] { x, w });
        GradCheck.BatchedEqualsSeparate(t => Norms.RmsNorm(t[0], t[1], 1e-6f, freezeScale: true), new[] { x, w });
        GradCheck.Check(t => Norms.RmsNorm(t[0], t[1], 1e-6f, freezeScale: true), new[] { x, w }, skipInputs: [0]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FrozenScaleGradientIsTheFiniteDifferenceOfANormWithItsScaleHeldFixed(bool centre)
    {
        int rows = 4, d = 9;
        var x0 = R(6, 2f, rows, d);
        var w = Weight(7, d);
        var b = R(8, 0.5f, d);
        var seed = R(9, 1f, rows, d);
        const float eps = 1e-5f;

        var leaf = x0.Clone().RequireGrad();
        using var tape = Tape.Record();
        var y = centre ? Norms.LayerNorm(leaf, w, b, eps, freezeScale: true) : Norms.RmsNorm(leaf, w, eps, freezeScale: true);
        var analytic = tape.Backward(y, seed).Of(leaf).ToArray();
        // Freezing the scale does not change the forward value.
        var plain = centre ? Norms.LayerNorm(x0, w, b, eps) : Norms.RmsNorm(x0, w, eps);
        Assert.Equal(plain.ToArray(), y.ToArray());

        // L(x) = Σ seed·((x − mean x)·s₀·w + b) in float64, with s₀ taken once from x₀ and held fixed.
        var xs = x0.ToArray().Select(v => (double)v).ToArray();
        var s0 = Enumerable.Range(0, rows).Select(r => Scale(xs.AsSpan(r * d, d), eps, centre)).ToArray();
        double Loss(double[] x)
        {
            double total = 0;
            for (int r = 0; r < rows; r++)
            {
                double mean = centre ? x.Skip(r * d).Take(d).Average() : 0;
                for (int j = 0; j < d; j++)
                    total += seed[r, j] * ((x[r * d + j] - mean) * s0[r] * w[j] + (centre ? b[j] : 0));
            }
            return total;
        }
        const double h = 1e-3;
        for (int i = 0; i < xs.Length; i++)
        {
            var plus = (double[])xs.Clone();
            var minus = (double[])xs.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (Loss(plus) - Loss(minus)) / (2 * h);
            Assert.True(Math.Abs(analytic[i] - numeric) <= 1e-5 * (1 + Math.Abs(numeric)),
                $"element {i}: frozen-scale gradient {analytic[i]:G7}, finite difference {numeric:G7}");
        }
    }

    [Fact]
    public void FrozenScaleEqualsMeanSubtractionTimesADetachedScale()
    {
        // The same linearised norm built from other ops: (x − mean(x))·s (s a constant) · w + b.
        int d = 8;
        var x0 = R(10, 1f, 2, 3, d);
        var w0 = Weight(11, d);
        var b0 = R(12, 0.3f, d);
        var seed = R(13, 1f, 2, 3, d);
        var xs = x0.ToArray().Select(v => (double)v).ToArray();
        var scale = Tensor.FromArray(Enumerable.Range(0, 6).Select(r => (float)Scale(xs.AsSpan(r * d, d), 1e-5f, true)).ToArray(), 2, 3, 1);

        Tensor[] Grads(Func<Tensor, Tensor, Tensor, Tensor> f)
        {
            var x = x0.Clone().RequireGrad();
            var w = w0.Clone().RequireGrad();
            var b = b0.Clone().RequireGrad();
            using var tape = Tape.Record();
            var g = tape.Backward(f(x, w, b), seed);
            return [g.Of(x), g.Of(w), g.Of(b)];
        }
        var fused = Grads((x, w, b) => Norms.LayerNorm(x, w, b, 1e-5f, freezeScale: true));
        var composed = Grads((x, w, b) => Elementwise.Add(
            Elementwise.Mul(Elementwise.Mul(Elementwise.Sub(x, Reductions.Mean(x, -1, keepDim: true)), scale), w), b));
        for (int i = 0; i < 3; i++) GradCheck.AssertClose(composed[i].Span, fused[i].Span, 1e-5, $"input {i}");
    }

    // ---- numerics ----

    [Fact]
    public void ALargeCommonOffsetDoesNotCancel()
    {
        // Rows centred near 10⁴ with unit spread: E[x²] − E[x]² in float32 would lose every digit.
        var x = Elementwise.AddScalar(R(14, 1f, 3, 512), 1e4f);
        var y = Norms.LayerNorm(x, null, null, 1e-5f);
        OpReference.AssertNear(NaiveNorm(x.ToArray(), 512, null, null, 1e-5, true), y.Span, 1e-5, 1e-6, "offset rows");
    }

    [Fact]
    public void ConstantRowsNormaliseToTheBias()
    {
        var x = Tensor.Full(3.25f, 2, 5);
        var b = R(15, 1f, 5);
        var y = Norms.LayerNorm(x, Weight(16, 5), b, 1e-5f);
        Assert.Equal(b.ToArray().Concat(b.ToArray()), y.ToArray());
    }

    [Fact]
    public void WideInputsRunInParallelAndMatchANaiveFloat64Norm()
    {
        int rows = 300, d = 768;
        var x = R(17, 2f, rows, d);
        var w = Weight(18, d);
        var b = R(19, 0.5f, d);
        var seed = R(20, 1f, rows, d);
        foreach (bool centre in new[] { true, false })
        {
            var xl = x.Clone().RequireGrad();
            var wl = w.Clone().RequireGrad();
            var bl = b.Clone().RequireGrad();
            using var tape = Tape.Record();
            var y = centre ? Norms.LayerNorm(xl, wl, bl, 1e-5f) : Norms.RmsNorm(xl, wl, 1e-5f);
            OpReference.AssertNear(NaiveNorm(x.ToArray(), d, w.ToArray(), centre ? b.ToArray() : null, 1e-5, centre), y.Span, 1e-6, 1e-6, $"centre={centre}");

            // ∂weight = Σ_rows seed·x̂ and ∂bias = Σ_rows seed, summed across the per-core partials.
            var grads = tape.Backward(y, seed);
            var normalized = NaiveNorm(x.ToArray(), d, null, null, 1e-5, centre);
            var gw = new double[d];
            var gb = new double[d];
            for (int r = 0; r < rows; r++)
            for (int j = 0; j < d; j++)
            {
                gw[j] += seed[r, j] * normalized[r * d + j];
                gb[j] += seed[r, j];
            }
            OpReference.AssertCloseToMax(gw, grads.Of(wl).Span, 1e-5, "∂weight");
            if (centre) OpReference.AssertCloseToMax(gb, grads.Of(bl).Span, 1e-5, "∂bias");
        }
    }

    [Fact]
    public void MissingWeightAndBiasAreOnesAndZeros()
    {
        var x = R(21, 1f, 3, 10);
        Assert.Equal(Norms.LayerNorm(x, Tensor.Full(1f, 10), Tensor.Zeros(10), 1e-5f).ToArray(), Norms.LayerNorm(x, null, null, 1e-5f).ToArray());
        Assert.Equal(Norms.RmsNorm(x, Tensor.Full(1f, 10), 1e-5f).ToArray(), Norms.RmsNorm(x, null, 1e-5f).ToArray());
    }

    [Fact]
    public void MismatchedParametersAreRejected()
    {
        var x = Tensor.Zeros(2, 4);
        Assert.Throws<ArgumentException>(() => Norms.LayerNorm(x, Tensor.Zeros(3), null, 1e-5f));
        Assert.Throws<ArgumentException>(() => Norms.LayerNorm(x, null, Tensor.Zeros(5), 1e-5f));
        Assert.Throws<ArgumentException>(() => Norms.RmsNorm(x, Tensor.Zeros(2), 1e-5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Norms.RmsNorm(x, null, -1f));
        Assert.Throws<ArgumentException>(() => Norms.LayerNorm(Tensor.Scalar(1f), null, null, 1e-5f));
    }

    // ---- float64 references written from the definitions ----

    private static double Scale(ReadOnlySpan<double> row, double eps, bool centre)
    {
        double mean = 0;
        if (centre)
        {
            foreach (var v in row) mean += v;
            mean /= row.Length;
        }
        double ms = 0;
        foreach (var v in row) ms += (v - mean) * (v - mean);
        return 1 / Math.Sqrt(ms / row.Length + eps);
    }

    private static double[] NaiveNorm(float[] x, int d, float[]? w, float[]? b, double eps, bool centre)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / d; r++)
        {
            var row = x.AsSpan(r * d, d).ToArray().Select(v => (double)v).ToArray();
            double mean = centre ? row.Average() : 0;
            double s = Scale(row, eps, centre);
            for (int j = 0; j < d; j++) y[r * d + j] = (row[j] - mean) * s * (w?[j] ?? 1) + (b?[j] ?? 0);
        }
        return y;
    }
}
