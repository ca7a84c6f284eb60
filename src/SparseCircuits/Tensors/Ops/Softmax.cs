using System.Numerics.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Softmax and log-softmax over the last dimension, stabilised by subtracting each row's maximum. Sums of exponentials
/// accumulate in float64 across blocks, so long rows (a vocabulary) keep float32 accuracy. Rows run across cores.
/// </summary>
public static class SoftmaxOps
{
    /// <summary>Block length for chains of element-wise calls, and for float32 partial sums inside float64 totals.</summary>
    private const int Block = 1024;

    /// <summary>exp(x − max) / Σ exp(x − max) along the last dimension.</summary>
    public static Tensor Softmax(Tensor x)
    {
        var y = Tensor.Empty(x.ShapeArray);
        SoftmaxForward(x.Storage, x.Columns, y.Storage);
        if (!Tape.ShouldRecord(x)) return y;
        int d = x.Columns, rows = x.Rows;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            // ∂L/∂x = y ⊙ (g − ⟨g, y⟩) per row.
            var gx = ctx.Buffer(x).Storage;
            var gs = g.Storage;
            var ys = y.Storage;
            int n = x.Length, kCount = ctx.K;
            Parallelism.ForRange(rows, 4L * d * kCount, (start, end) =>
            {
                var tmp = new float[d];
                for (int r = start; r < end; r++)
                {
                    var yr = ys.Span.Slice(r * d, d);
                    for (int k = 0; k < kCount; k++)
                    {
                        var gr = gs.Span.Slice(k * n + r * d, d);
                        TensorPrimitives.Subtract(gr, (float)Dot64(gr, yr), tmp);
                        var target = gx.Span.Slice(k * n + r * d, d);
                        TensorPrimitives.MultiplyAdd(tmp, yr, target, target);
                    }
                }
            });
        });
    }

    /// <summary>x − max − log Σ exp(x − max) along the last dimension.</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        var y = Tensor.Empty(x.ShapeArray);
        LogSoftmaxForward(x.Storage, x.Columns, y.Storage);
        if (!Tape.ShouldRecord(x)) return y;
        int d = x.Columns, rows = x.Rows;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            // ∂L/∂x = g − softmax(x)·Σg per row, softmax(x) = exp(y).
            var gx = ctx.Buffer(x).Storage;
            var gs = g.Storage;
            var ys = y.Storage;
            int n = x.Length, kCount = ctx.K;
            Parallelism.ForRange(rows, 6L * d * kCount, (start, end) =>
            {
                var p = new float[d];
                for (int r = start; r < end; r++)
                {
                    TensorPrimitives.Exp(ys.Span.Slice(r * d, d), p);
                    for (int k = 0; k < kCount; k++)
                    {
                        var gr = gs.Span.Slice(k * n + r * d, d);
                        var target = gx.Span.Slice(k * n + r * d, d);
                        TensorPrimitives.Add(target, gr, target);
                        TensorPrimitives.MultiplyAdd(p, (float)-Sum64(gr), target, target);
                    }
                }
            });
        });
    }

    /// <summary>The softmax kernel on raw storage (rows of length <paramref name="d"/>).</summary>
    internal static void SoftmaxForward(ReadOnlyMemory<float> x, int d, Memory<float> y) =>
        ExpShiftedRows(x, d, y, static (_, _, sumExp, yr) => TensorPrimitives.Divide(yr, (float)sumExp, yr));

    /// <summary>The log-softmax kernel on raw storage (rows of length <paramref name="d"/>).</summary>
    internal static void LogSoftmaxForward(ReadOnlyMemory<float> x, int d, Memory<float> y) =>
        ExpShiftedRows(x, d, y, static (row, max, sumExp, yr) =>
        {
            // (x − max) − log Σ: subtracting max first keeps entries near the maximum exact.
            TensorPrimitives.Subtract(row, max, yr);
            TensorPrimitives.Subtract(yr, (float)Math.Log(sumExp), yr);
        });

    /// <summary>Finishes one row from its input, maximum and Σ exp(x − max); <paramref name="y"/> holds exp(x − max).</summary>
    private delegate void RowFinish(ReadOnlySpan<float> row, float max, double sumExp, Span<float> y);

    /// <summary>The row loop both forwards share: per row (across cores) the maximum, exp(x − max) into the output row
    /// with its sum in float64, then <paramref name="finish"/>.</summary>
    private static void ExpShiftedRows(ReadOnlyMemory<float> x, int d, Memory<float> y, RowFinish finish)
    {
        if (d == 0) return;
        Parallelism.ForRange(x.Length / d, 6L * d, (start, end) =>
        {
            for (int r = start; r < end; r++)
            {
                var row = x.Span.Slice(r * d, d);
                var yr = y.Span.Slice(r * d, d);
                float max = TensorPrimitives.Max(row);
                finish(row, max, SumExpShifted(row, max, yr), yr);
            }
        });
    }

    /// <summary>Σ exp(row − max) in float64, by blocks of at most <see cref="Block"/>: the exponentials are kept in
    /// <paramref name="exps"/> when it is as long as the row, otherwise it is a scratch block reused for each block.</summary>
    internal static double SumExpShifted(ReadOnlySpan<float> row, float max, Span<float> exps)
    {
        bool keep = exps.Length >= row.Length;
        int step = keep ? Block : Math.Min(Block, exps.Length);
        double sum = 0;
        for (int off = 0; off < row.Length; off += step)
        {
            int len = Math.Min(step, row.Length - off);
            var block = keep ? exps.Slice(off, len) : exps[..len];
            TensorPrimitives.Subtract(row.Slice(off, len), max, block);
            TensorPrimitives.Exp(block, block);
            sum += TensorPrimitives.Sum<float>(block);
        }
        return sum;
    }

    internal static double Sum64(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (int off = 0; off < x.Length; off += Block) sum += TensorPrimitives.Sum(x.Slice(off, Math.Min(Block, x.Length - off)));
        return sum;
    }

    internal static double Dot64(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int off = 0; off < a.Length; off += Block)
        {
            int len = Math.Min(Block, a.Length - off);
            sum += TensorPrimitives.Dot(a.Slice(off, len), b.Slice(off, len));
        }
        return sum;
    }
}
