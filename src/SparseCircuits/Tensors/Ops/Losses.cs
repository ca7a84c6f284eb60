using System.Numerics.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Cross-entropy of logits against target classes, with log-softmax fused in: each row needs its maximum and
/// log Σ exp(x − max) (float64), and the loss of a row is (max − x[target]) + log Σ, never materialising the
/// log-probabilities. Rows whose target equals the ignore index contribute nothing (PyTorch's <c>ignore_index</c>).
/// </summary>
public static class Losses
{
    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const int DefaultIgnoreIndex = -100;

    /// <summary>
    /// Mean over non-ignored rows of −log softmax(logits)[target], for logits [..., V] and one target per row
    /// (<c>F.cross_entropy</c> with reduction "mean"). As in PyTorch, the result is NaN when every row is ignored.
    /// Backward: (softmax − onehot(target)) / (number of non-ignored rows).
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> targets, int ignoreIndex = DefaultIgnoreIndex)
    {
        var rows = RowLosses(logits, targets, ignoreIndex);
        double total = 0;
        int counted = 0;
        for (int r = 0; r < rows.Loss.Length; r++)
        {
            if (rows.Targets[r] == ignoreIndex) continue;
            total += rows.Loss[r];
            counted++;
        }
        var y = Tensor.Scalar((float)(total / counted));
        if (!Tape.ShouldRecord(logits)) return y;
        return Tape.Attach(y, new[] { logits }, (ctx, g) =>
        {
            int n = rows.Loss.Length;
            var weights = new float[ctx.K * n];
            for (int k = 0; k < ctx.K; k++)
            for (int r = 0; r < n; r++)
                weights[k * n + r] = rows.Targets[r] == ignoreIndex ? 0f : g.Read()[k] / counted;
            Backward(ctx, logits, rows, ignoreIndex, weights);
        });
    }

    /// <summary>
    /// −log softmax(logits)[target] for every row: logits [..., V] give losses of shape [...] (0 for ignored rows, as
    /// PyTorch's reduction "none"). The negative log-likelihood of a sequence is their sum.
    /// </summary>
    public static Tensor NegativeLogLikelihoodPerRow(Tensor logits, ReadOnlySpan<int> targets, int ignoreIndex = DefaultIgnoreIndex)
    {
        var rows = RowLosses(logits, targets, ignoreIndex);
        var y = Tensor.Empty(logits.Shape[..^1].ToArray());
        var ys = y.Span;
        for (int r = 0; r < rows.Loss.Length; r++) ys[r] = (float)rows.Loss[r];
        if (!Tape.ShouldRecord(logits)) return y;
        return Tape.Attach(y, new[] { logits }, (ctx, g) =>
        {
            // Seed k of row r weighs that row's gradient; ignored rows have none.
            int n = rows.Loss.Length;
            var weights = g.ToArray();
            for (int k = 0; k < ctx.K; k++)
            for (int r = 0; r < n; r++)
                if (rows.Targets[r] == ignoreIndex) weights[k * n + r] = 0f;
            Backward(ctx, logits, rows, ignoreIndex, weights);
        });
    }

    /// <summary>Per-row losses and the statistics backward needs (max and log Σ exp(x − max)).</summary>
    private sealed record RowStatistics(int[] Targets, double[] Loss, float[] Max, double[] LogSum);

    private static RowStatistics RowLosses(Tensor logits, ReadOnlySpan<int> targets, int ignoreIndex)
    {
        if (logits.Rank == 0) throw new ArgumentException("Cross-entropy needs logits with a class dimension; got a scalar.");
        int v = logits.Columns, rows = logits.Rows;
        if (targets.Length != rows)
            throw new ArgumentException($"Cross-entropy got {targets.Length} targets for {rows} rows of logits {logits}.");
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t != ignoreIndex && (uint)t >= (uint)v)
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {t} of row {r} is outside [0, {v}) and is not the ignore index {ignoreIndex}.");
        }
        var stats = new RowStatistics(targets.ToArray(), new double[rows], new float[rows], new double[rows]);
        var xs = logits.Storage;
        Parallelism.ForRange(rows, 4L * v, (start, end) =>
        {
            Span<float> scratch = stackalloc float[1024];
            for (int r = start; r < end; r++)
            {
                int t = stats.Targets[r];
                if (t == ignoreIndex) continue;
                var row = xs.Span.Slice(r * v, v);
                float max = TensorPrimitives.Max(row);
                double logSum = Math.Log(SoftmaxOps.SumExpShifted(row, max, scratch));
                stats.Max[r] = max;
                stats.LogSum[r] = logSum;
                stats.Loss[r] = ((double)max - row[t]) + logSum;
            }
        });
        return stats;
    }

    /// <summary>Adds weights[k, r]·(softmax(row r) − onehot(target r)) to seed k's logits gradient.</summary>
    private static void Backward(BackwardContext ctx, Tensor logits, RowStatistics stats, int ignoreIndex, float[] weights)
    {
        int v = logits.Columns, rows = logits.Rows, n = logits.Length, kCount = ctx.K;
        var gx = ctx.Buffer(logits).Storage;
        var xs = logits.Storage;
        Parallelism.ForRange(rows, 4L * v * kCount, (start, end) =>
        {
            var p = new float[v];
            for (int r = start; r < end; r++)
            {
                int t = stats.Targets[r];
                if (t == ignoreIndex) continue;
                TensorPrimitives.Subtract(xs.Span.Slice(r * v, v), stats.Max[r], p);
                TensorPrimitives.Subtract(p, (float)stats.LogSum[r], p);
                TensorPrimitives.Exp(p, p);
                for (int k = 0; k < kCount; k++)
                {
                    float w = weights[k * rows + r];
                    if (w == 0f) continue;
                    var target = gx.Span.Slice(k * n + r * v, v);
                    TensorPrimitives.MultiplyAdd(p, w, target, target);
                    target[t] -= w;
                }
            }
        });
    }
}
