using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Layer normalisation and RMS normalisation over the last dimension. Each row takes two fused passes: statistics
/// accumulated in float64 (shifted by the row's first value, so a large common offset does not cancel), then one pass
/// that normalises, scales and shifts. Rows are spread across cores.
/// <para>
/// With <c>freezeScale</c> the normalisation scale s = 1/σ (or 1/rms) is a constant in backward, as interpretability
/// work does to linearise a model around one input ("freeze norm scales"); LayerNorm's mean subtraction is linear and
/// still differentiated. The forward value is unchanged.
/// </para>
/// </summary>
public static class Norms
{
    /// <summary>
    /// y = (x − mean)·s·weight + bias with s = 1/√(var + eps) and the biased variance (PyTorch
    /// <c>nn.LayerNorm</c>). A null weight is all ones and a null bias all zeros.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps, bool freezeScale = false) =>
        Normalize(x, weight, bias, eps, freezeScale, centre: true);

    /// <summary>
    /// y = x·s·weight with s = 1/√(mean(x²) + eps) (Hugging Face <c>LlamaRMSNorm</c>, which computes in float32; a
    /// null weight is all ones). For Gemma-style (1 + weight) scaling pass the shifted weight.
    /// </summary>
    public static Tensor RmsNorm(Tensor x, Tensor? weight, float eps, bool freezeScale = false) =>
        Normalize(x, weight, null, eps, freezeScale, centre: false);

    private static Tensor Normalize(Tensor x, Tensor? weight, Tensor? bias, float eps, bool freezeScale, bool centre)
    {
        string op = centre ? "LayerNorm" : "RmsNorm";
        if (x.Rank == 0) throw new ArgumentException($"{op} needs at least one dimension; got a scalar.");
        int d = x.Columns, rows = x.Rows;
        if (weight is not null && weight.Length != d) throw new ArgumentException($"{op} weight {weight} does not have {d} entries for {x}.");
        if (bias is not null && bias.Length != d) throw new ArgumentException($"{op} bias {bias} does not have {d} entries for {x}.");
        if (!(eps >= 0) || float.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), $"{op} eps must be a finite non-negative number; got {eps}.");

        var w = weight?.Storage ?? Ones(d);
        var b = bias?.Storage ?? new float[d];
        var mean = new double[rows];
        var scale = new float[rows];
        var y = Tensor.Empty(x.ShapeArray);
        Forward(x.Storage, d, w, b, eps, centre, mean, scale, y.Storage);

        var inputs = new List<Tensor>(3) { x };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        var inputArray = inputs.ToArray();
        if (!Tape.ShouldRecord(inputArray)) return y;
        return Tape.Attach(y, inputArray, (ctx, g) => Backward(ctx, g, x, weight, bias, w, mean, scale, freezeScale, centre));
    }

    /// <summary>The forward kernel on raw storage: y = normalise(x)·w + b, row by row; fills each row's mean (zero when
    /// not centring) and scale.</summary>
    internal static void Forward(ReadOnlyMemory<float> x, int d, ReadOnlyMemory<float> w, ReadOnlyMemory<float> b, float eps, bool centre,
        double[] mean, float[] scale, Memory<float> y)
    {
        int rows = mean.Length;
        if (d == 0) return;
        Parallelism.ForRange(rows, 8L * d, (start, end) =>
        {
            var xs = x.Span;
            var ys = y.Span;
            for (int r = start; r < end; r++)
            {
                var row = xs.Slice(r * d, d);
                double m = 0, meanSquare;
                if (centre) (m, meanSquare) = CentredMoments(row);
                else meanSquare = MeanSquare(row);
                mean[r] = m;
                scale[r] = (float)(1.0 / Math.Sqrt(meanSquare + eps));
                NormalizeRow(row, m, scale[r], w.Span, b.Span, ys.Slice(r * d, d));
            }
        });
    }

    private static void Backward(BackwardContext ctx, Tensor g, Tensor x, Tensor? weight, Tensor? bias, ReadOnlyMemory<float> w,
        double[] mean, float[] scale, bool freezeScale, bool centre)
    {
        int d = x.Columns, rows = x.Rows, kCount = ctx.K, n = x.Length;
        if (d == 0) return;
        bool needX = ctx.Needs(x), needW = weight is not null && ctx.Needs(weight), needB = bias is not null && ctx.Needs(bias);
        var gx = needX ? ctx.Buffer(x).Storage : Memory<float>.Empty;
        var xs = x.Storage;
        var gs = g.Storage;
        var ones = Ones(d);
        var zeros = new float[d];

        // Rows in a fixed number of chunks, each with its own weight/bias partial sums, added in chunk order so the
        // result does not depend on scheduling.
        long work = (long)rows * d * kCount * 8;
        int chunks = work < Parallelism.MinParallelWork ? 1 : Math.Min(Parallelism.Degree, rows);
        var partialW = needW ? new float[chunks][] : null;
        var partialB = needB ? new float[chunks][] : null;
        Parallelism.For(chunks, Math.Max(1L, work / chunks), c =>
        {
            int start = (int)((long)rows * c / chunks), end = (int)((long)rows * (c + 1) / chunks);
            var normalized = new float[d];
            var grad = new float[d];
            var pw = needW ? partialW![c] = new float[kCount * d] : null;
            var pb = needB ? partialB![c] = new float[kCount * d] : null;
            var wSpan = w.Span;
            for (int r = start; r < end; r++)
            {
                float s = scale[r];
                NormalizeRow(xs.Span.Slice(r * d, d), mean[r], s, ones, zeros, normalized); // x̂, as in forward
                for (int k = 0; k < kCount; k++)
                {
                    var gr = gs.Span.Slice(k * n + r * d, d);
                    if (pw is not null) TensorPrimitives.MultiplyAdd(gr, normalized, pw.AsSpan(k * d, d), pw.AsSpan(k * d, d));
                    if (pb is not null) TensorPrimitives.Add(gr, pb.AsSpan(k * d, d), pb.AsSpan(k * d, d));
                    if (!needX) continue;
                    // With ĝ = g·w: ∂L/∂x = s·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)). RMS norm has no mean term; a frozen scale
                    // has no x̂ term (that term is the derivative of s).
                    TensorPrimitives.Multiply(gr, wSpan, grad);
                    float projection = freezeScale ? 0f : TensorPrimitives.Dot<float>(grad, normalized) / d;
                    if (centre) TensorPrimitives.Add(grad, -TensorPrimitives.Sum<float>(grad) / d, grad);
                    if (!freezeScale) TensorPrimitives.MultiplyAdd(normalized, -projection, grad, grad);
                    var target = gx.Span.Slice(k * n + r * d, d);
                    TensorPrimitives.MultiplyAdd(grad, s, target, target);
                }
            }
        });
        if (needW) AddPartials(ctx.Buffer(weight!).Span, partialW!);
        if (needB) AddPartials(ctx.Buffer(bias!).Span, partialB!);
    }

    private static void AddPartials(Span<float> target, float[][] partials)
    {
        foreach (var p in partials) TensorPrimitives.Add(target, p, target);
    }

    // ---- row kernels ----

    /// <summary>Mean and biased variance of a row, in float64 around the row's first value.</summary>
    private static (double Mean, double Variance) CentredMoments(ReadOnlySpan<float> row)
    {
        double shift = row[0];
        var vShift = new Vector<double>(shift);
        // Separate accumulators per half-vector so consecutive additions do not wait on each other.
        Vector<double> s1Lo = Vector<double>.Zero, s1Hi = Vector<double>.Zero, s2Lo = Vector<double>.Zero, s2Hi = Vector<double>.Zero;
        int width = Vector<float>.Count, i = 0;
        ref float src = ref MemoryMarshal.GetReference(row);
        for (; i <= row.Length - width; i += width)
        {
            Vector.Widen(Vector.LoadUnsafe(ref src, (nuint)i), out var lo, out var hi);
            lo -= vShift;
            hi -= vShift;
            s1Lo += lo;
            s1Hi += hi;
            s2Lo = Vector.FusedMultiplyAdd(lo, lo, s2Lo);
            s2Hi = Vector.FusedMultiplyAdd(hi, hi, s2Hi);
        }
        double sum1 = Vector.Sum(s1Lo + s1Hi), sum2 = Vector.Sum(s2Lo + s2Hi);
        for (; i < row.Length; i++)
        {
            double v = row[i] - shift;
            sum1 += v;
            sum2 += v * v;
        }
        double m = sum1 / row.Length;
        return (shift + m, Math.Max(0.0, sum2 / row.Length - m * m));
    }

    private static double MeanSquare(ReadOnlySpan<float> row)
    {
        Vector<double> accLo = Vector<double>.Zero, accHi = Vector<double>.Zero;
        int width = Vector<float>.Count, i = 0;
        ref float src = ref MemoryMarshal.GetReference(row);
        for (; i <= row.Length - width; i += width)
        {
            Vector.Widen(Vector.LoadUnsafe(ref src, (nuint)i), out var lo, out var hi);
            accLo = Vector.FusedMultiplyAdd(lo, lo, accLo);
            accHi = Vector.FusedMultiplyAdd(hi, hi, accHi);
        }
        double sum = Vector.Sum(accLo + accHi);
        for (; i < row.Length; i++) sum += (double)row[i] * row[i];
        return sum / row.Length;
    }

    /// <summary>
    /// y = (x − mean)·s·w + b in one pass. The mean is subtracted as a float32 pair (high part, then the rounding
    /// residue), which keeps x − mean accurate when the mean is large relative to the spread.
    /// </summary>
    private static void NormalizeRow(ReadOnlySpan<float> x, double mean, float s, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        float hi = (float)mean, lo = (float)(mean - hi);
        var vHi = new Vector<float>(hi);
        var vLo = new Vector<float>(lo);
        var vS = new Vector<float>(s);
        int width = Vector<float>.Count, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float yr = ref MemoryMarshal.GetReference(y);
        for (; i <= x.Length - width; i += width)
        {
            var v = (Vector.LoadUnsafe(ref xr, (nuint)i) - vHi - vLo) * vS;
            Vector.FusedMultiplyAdd(v, Vector.LoadUnsafe(ref wr, (nuint)i), Vector.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = MathF.FusedMultiplyAdd((x[i] - hi - lo) * s, w[i], b[i]);
    }

    private static float[] Ones(int d)
    {
        var ones = new float[d];
        Array.Fill(ones, 1f);
        return ones;
    }
}
