using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tests.TestSupport;

/// <summary>
/// Checks an operation's backward pass against central finite differences. The scalar probed is L = Σ y·r for a fixed
/// random r (so every output element's gradient is exercised); L and the difference quotients are accumulated in
/// float64 from the float32 forward.
/// </summary>
public static class GradCheck
{
    /// <summary>Asserts analytic ∂L/∂input equals (L(x+h) − L(x−h)) / 2h for every element of every input.</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double h = 1e-3, double tolerance = 1e-2, int seed = 1,
        int[]? skipInputs = null)
    {
        var leaves = inputs.Select(t => t.Clone().RequireGrad()).ToArray();
        Tensor y;
        Gradients grads;
        var rng = new Random(seed);
        Tensor r;
        using (var tape = Tape.Record())
        {
            y = f(leaves);
            r = Tensor.RandomUniform(rng, -1f, 1f, y.ShapeArray);
            grads = tape.Backward(y, r);
        }

        for (int i = 0; i < leaves.Length; i++)
        {
            if (skipInputs?.Contains(i) == true) continue;
            var analytic = grads.Of(leaves[i]).ToArray();
            var probe = inputs.Select(t => t.Clone()).ToArray();
            var x = probe[i].Span;
            var numeric = new double[x.Length];
            for (int j = 0; j < x.Length; j++)
            {
                float orig = x[j];
                x[j] = (float)(orig + h);
                double plus = Project(f(probe), r);
                x[j] = (float)(orig - h);
                double minus = Project(f(probe), r);
                x[j] = orig;
                numeric[j] = (plus - minus) / (2 * h);
            }
            double scale = Math.Max(1e-3, numeric.Select(Math.Abs).DefaultIfEmpty(0).Max());
            for (int j = 0; j < numeric.Length; j++)
            {
                double err = Math.Abs(analytic[j] - numeric[j]) / scale;
                Assert.True(err <= tolerance,
                    $"input {i} element {j}: analytic {analytic[j]:G6} vs finite difference {numeric[j]:G6} (relative error {err:G3})");
            }
        }
    }

    /// <summary>Asserts that K seeds in one backward pass give the same gradients as K separate passes.</summary>
    public static void BatchedEqualsSeparate(Func<Tensor[], Tensor> f, Tensor[] inputs, int k = 3, int seed = 2)
    {
        var leaves = inputs.Select(t => t.Clone().RequireGrad()).ToArray();
        var rng = new Random(seed);
        using var tape = Tape.Record();
        var y = f(leaves);
        var seeds = Tensor.RandomUniform(rng, -1f, 1f, Shapes.Prepend(k, y.Shape));
        var batched = tape.BackwardBatched(y, seeds);
        for (int s = 0; s < k; s++)
        {
            var single = tape.Backward(y, seeds.Select(s).Clone());
            for (int i = 0; i < leaves.Length; i++)
            {
                var b = batched.Batched(leaves[i]);
                var expected = single.Of(leaves[i]).ToArray();
                var actual = b is null ? new float[expected.Length] : b.Select(s).ToArray();
                AssertClose(expected, actual, 1e-5, $"seed {s}, input {i}");
            }
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relTol, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-6;
        foreach (var e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]) / scale;
            Assert.True(err <= relTol, $"{what} element {i}: expected {expected[i]:G9}, got {actual[i]:G9} (relative to max {err:G3})");
        }
    }

    private static double Project(Tensor y, Tensor r)
    {
        double acc = 0;
        var ys = y.Span;
        var rs = r.Span;
        for (int i = 0; i < ys.Length; i++) acc += (double)ys[i] * rs[i];
        return acc;
    }
}
