using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// The two JumpReLU training ops of Rajamanoharan et al. (2024), "Jumping Ahead", with thresholds parametrised as
/// θ = exp(log θ). The Heaviside step H(z − θ) has no useful derivative in θ, so both ops use the straight-through
/// pseudo-derivative ∂H(z − θ)/∂θ := −(1/ε)·K((z − θ)/ε) with the rectangle kernel K(u) = 1[|u| &lt; ½] of bandwidth ε:
/// the exact derivative of the step smoothed into a ramp of width ε. Pre-activations z are [N, F]; log θ is [F].
/// </summary>
public static class JumpReluStraightThrough
{
    /// <summary>
    /// f = z·H(z − θ). ∂f/∂z = H(z − θ) (exact away from the jump); ∂f/∂θ := −(θ/ε)·K((z − θ)/ε), then ×θ for log θ.
    /// </summary>
    public static Tensor Gate(Tensor preActivations, Tensor logThreshold, float bandwidth)
    {
        int f = preActivations.Columns, rows = preActivations.Rows;
        Check(preActivations, logThreshold, bandwidth);
        var theta = Exp(logThreshold);
        var y = Tensor.Empty(preActivations.ShapeArray);
        var z = preActivations.Storage;
        var ys = y.Storage;
        Parallelism.ForRange(rows, 2L * f, (start, end) =>
        {
            var zs = z.Span;
            var o = ys.Span;
            for (int r = start; r < end; r++)
            for (int j = 0, i = r * f; j < f; j++, i++) o[i] = zs[i] > theta[j] ? zs[i] : 0f;
        });
        if (!Tape.ShouldRecord(preActivations, logThreshold)) return y;
        return Tape.Attach(y, new[] { preActivations, logThreshold }, (ctx, g) =>
        {
            var zs = z.Span;
            var gs = g.Span;
            int n = rows * f;
            if (ctx.Needs(preActivations))
            {
                var gz = ctx.Buffer(preActivations).Span;
                for (int k = 0; k < ctx.K; k++)
                for (int r = 0; r < rows; r++)
                for (int j = 0, i = r * f; j < f; j++, i++)
                    if (zs[i] > theta[j]) gz[k * n + i] += gs[k * n + i];
            }
            if (ctx.Needs(logThreshold))
            {
                var gt = ctx.Buffer(logThreshold).Span;
                float half = bandwidth / 2;
                for (int k = 0; k < ctx.K; k++)
                for (int r = 0; r < rows; r++)
                for (int j = 0, i = r * f; j < f; j++, i++)
                    if (MathF.Abs(zs[i] - theta[j]) < half)
                        gt[k * f + j] += gs[k * n + i] * (-theta[j] / bandwidth) * theta[j];
            }
        });
    }

    /// <summary>
    /// Σ over all rows and features of H(z − θ), the number of active entries, as a one-element tensor. No gradient
    /// reaches z; ∂/∂θ := −(1/ε)·Σ_rows K((z − θ)/ε), then ×θ for log θ.
    /// </summary>
    public static Tensor L0(Tensor preActivations, Tensor logThreshold, float bandwidth)
    {
        int f = preActivations.Columns, rows = preActivations.Rows;
        Check(preActivations, logThreshold, bandwidth);
        var theta = Exp(logThreshold);
        var zs = preActivations.Storage;
        long count = 0;
        var span = zs.Span;
        for (int r = 0; r < rows; r++)
        for (int j = 0, i = r * f; j < f; j++, i++)
            if (span[i] > theta[j]) count++;
        var y = Tensor.Scalar(count);
        if (!Tape.ShouldRecord(logThreshold)) return y;
        return Tape.Attach(y, new[] { logThreshold }, (ctx, g) =>
        {
            var window = new float[f]; // −(1/ε)·#{rows within ε/2 of θ_j}·θ_j, shared by every seed
            var z = zs.Span;
            float half = bandwidth / 2;
            for (int r = 0; r < rows; r++)
            for (int j = 0, i = r * f; j < f; j++, i++)
                if (MathF.Abs(z[i] - theta[j]) < half) window[j] += 1f;
            for (int j = 0; j < f; j++) window[j] *= -theta[j] / bandwidth;
            var gt = ctx.Buffer(logThreshold).Span;
            for (int k = 0; k < ctx.K; k++)
            {
                float gk = g.Span[k];
                for (int j = 0; j < f; j++) gt[k * f + j] += gk * window[j];
            }
        });
    }

    private static float[] Exp(Tensor logThreshold)
    {
        var t = new float[logThreshold.Length];
        System.Numerics.Tensors.TensorPrimitives.Exp(logThreshold.Span, t);
        return t;
    }

    private static void Check(Tensor pre, Tensor logThreshold, float bandwidth)
    {
        if (logThreshold.Rank != 1 || logThreshold.Length != pre.Columns)
            throw new ArgumentException($"Thresholds {logThreshold} must have shape [{pre.Columns}] to match {pre}.");
        if (!(bandwidth > 0)) throw new ArgumentOutOfRangeException(nameof(bandwidth), "The kernel bandwidth must be positive.");
    }
}
