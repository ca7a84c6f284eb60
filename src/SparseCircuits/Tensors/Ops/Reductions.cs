using System.Numerics.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>Sums and means, over everything or over one axis. Sums accumulate in float64 so that long reductions
/// keep float32 precision.</summary>
public static class Reductions
{
    /// <summary>Sum of all elements, as a one-element tensor.</summary>
    public static Tensor Sum(Tensor x) => SumAll(x, 1.0);

    /// <summary>Mean of all elements, as a one-element tensor.</summary>
    public static Tensor Mean(Tensor x) => SumAll(x, 1.0 / Math.Max(1, x.Length));

    /// <summary>Sum over <paramref name="axis"/> (removed from the shape unless <paramref name="keepDim"/>).</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDim = false) => SumAxis(x, axis, keepDim, 1.0);

    public static Tensor Mean(Tensor x, int axis, bool keepDim = false) =>
        SumAxis(x, axis, keepDim, 1.0 / Math.Max(1, x.Dim(axis)));

    private static Tensor SumAll(Tensor x, double scale)
    {
        double acc = 0;
        var s = x.Read();
        const int block = 4096; // float32 vector sums per block, float64 across blocks
        for (int off = 0; off < s.Length; off += block)
            acc += TensorPrimitives.Sum(s.Slice(off, Math.Min(block, s.Length - off)));
        var y = Tensor.Scalar((float)(acc * scale));
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            int n = x.Length;
            for (int k = 0; k < ctx.K; k++)
            {
                var gk = gx.Slice(k * n, n);
                TensorPrimitives.Add(gk, (float)(g.Read()[k] * scale), gk);
            }
        });
    }

    private static Tensor SumAxis(Tensor x, int axis, bool keepDim, double scale)
    {
        int a = Shapes.Axis(axis, x.Rank);
        var shape = x.Shape;
        int outer = 1, inner = 1, len = shape[a];
        for (int i = 0; i < a; i++) outer *= shape[i];
        for (int i = a + 1; i < shape.Length; i++) inner *= shape[i];
        var outShape = keepDim
            ? shape.ToArray().Select((d, i) => i == a ? 1 : d).ToArray()
            : shape.ToArray().Where((_, i) => i != a).ToArray();
        var y = Tensor.Zeros(outShape);
        var xs = x.Read();
        var ys = y.Span;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) ys[o] = (float)(Sum64(xs.Slice(o * len, len)) * scale);
        }
        else
        {
            var acc = new double[inner];
            for (int o = 0; o < outer; o++)
            {
                Array.Clear(acc);
                for (int j = 0; j < len; j++)
                {
                    var row = xs.Slice((o * len + j) * inner, inner);
                    for (int i = 0; i < inner; i++) acc[i] += row[i];
                }
                for (int i = 0; i < inner; i++) ys[o * inner + i] = (float)(acc[i] * scale);
            }
        }
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            var gs = g.Read();
            for (int k = 0; k < ctx.K; k++)
            for (int o = 0; o < outer; o++)
            {
                var src = gs.Slice((k * outer + o) * inner, inner);
                for (int j = 0; j < len; j++)
                {
                    var dst = gx.Slice(((k * outer + o) * len + j) * inner, inner);
                    TensorPrimitives.MultiplyAdd(src, (float)scale, dst, dst);
                }
            }
        });
    }

    private static double Sum64(ReadOnlySpan<float> s)
    {
        double acc = 0;
        const int block = 4096;
        for (int off = 0; off < s.Length; off += block) acc += TensorPrimitives.Sum(s.Slice(off, Math.Min(block, s.Length - off)));
        return acc;
    }
}
