using SparseCircuits.Tensors;

namespace SparseCircuits.Models;

/// <summary>
/// The few matrix edits weight processing needs, on nn.Linear-layout matrices [out, in]. Each returns a new tensor
/// (inputs may be memory-mapped checkpoint storage and are only read); sums and means are taken in float64 so that
/// centring leaves means at float32 rounding level even for a 50k-row vocabulary.
/// </summary>
internal static class WeightAlgebra
{
    /// <summary>m[r, c]·scale[c], then (if <paramref name="centerRows"/>) minus each row's mean.</summary>
    public static Tensor ScaleColumns(Tensor m, ReadOnlySpan<float> scale, bool centerRows)
    {
        int rows = m.Dim(0), cols = m.Dim(1);
        RequireLength(scale, cols, "scale");
        var result = Tensor.Empty(rows, cols);
        var src = m.Span;
        var dst = result.Span;
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * cols, cols);
            var d = dst.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) d[c] = s[c] * scale[c];
            if (centerRows) SubtractMean(d);
        }
        return result;
    }

    /// <summary>Each row of <paramref name="m"/> minus that row's mean (mean over the last axis).</summary>
    public static Tensor CenterRows(Tensor m)
    {
        var result = m.Clone();
        int cols = m.Columns;
        var dst = result.Span;
        for (int r = 0; r < m.Rows; r++) SubtractMean(dst.Slice(r * cols, cols));
        return result;
    }

    /// <summary>Each column of a matrix minus that column's mean (mean over the first axis).</summary>
    public static Tensor CenterColumns(Tensor m)
    {
        int rows = m.Dim(0), cols = m.Dim(1);
        var means = new double[cols];
        var src = m.Span;
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) means[c] += s[c];
        }
        for (int c = 0; c < cols; c++) means[c] /= rows;
        var result = Tensor.Empty(rows, cols);
        var dst = result.Span;
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * cols, cols);
            var d = dst.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) d[c] = (float)(s[c] - means[c]);
        }
        return result;
    }

    /// <summary>A vector minus its mean.</summary>
    public static Tensor Centered(Tensor v) => CenterRows(v.View(1, v.Length)).View(v.Length);

    /// <summary><paramref name="bias"/> + m·v (bias taken as zero when absent): the bias a linear layer needs so that
    /// feeding it x reproduces feeding it x + v.</summary>
    public static Tensor AddProduct(Tensor? bias, Tensor m, ReadOnlySpan<float> v)
    {
        int rows = m.Dim(0), cols = m.Dim(1);
        RequireLength(v, cols, "vector");
        if (bias is not null) RequireLength(bias.Span, rows, "bias");
        var result = Tensor.Empty(rows);
        var src = m.Span;
        var dst = result.Span;
        for (int r = 0; r < rows; r++)
        {
            var s = src.Slice(r * cols, cols);
            double acc = bias is null ? 0 : bias.Span[r];
            for (int c = 0; c < cols; c++) acc += (double)s[c] * v[c];
            dst[r] = (float)acc;
        }
        return result;
    }

    private static void SubtractMean(Span<float> values)
    {
        double sum = 0;
        foreach (var x in values) sum += x;
        double mean = sum / values.Length;
        for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] - mean);
    }

    private static void RequireLength(ReadOnlySpan<float> s, int expected, string what)
    {
        if (s.Length != expected) throw new ArgumentException($"{what} has {s.Length} entries, expected {expected}");
    }
}
