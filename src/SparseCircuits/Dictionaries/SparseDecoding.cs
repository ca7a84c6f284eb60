using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Tensor = SparseCircuits.Tensors.Tensor;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Kernels over sparse codes and a decoder W_dec [F, d]. Sparse kernels touch only the active features' decoder rows,
/// one d-long row per entry from anywhere in the matrix; a dense GEMM streams the whole matrix once at full BLAS speed.
/// The "Auto" forms pick whichever reads less for the codes at hand (a sparse entry costs about
/// <see cref="SparseEntryCost"/> dense multiply-adds), and use a lazily transposed decoder's stored [d, F] layout so
/// that the transpose need not be made.
/// </summary>
public static class SparseDecoding
{
    /// <summary>How many dense GEMM multiply-adds cost as much as one sparse entry's d-long row (a scattered row read
    /// against BLAS streaming): codes denser than 1/this of their [rows, F] matrix go dense.</summary>
    public const int SparseEntryCost = 16;

    /// <summary>Dense scratch per GEMM block, in floats (16 MB).</summary>
    private const int DenseBlockFloats = 1 << 22;

    /// <summary>True when <paramref name="nonZeros"/> entries over <paramref name="rows"/> × <paramref name="width"/> are
    /// cheaper as a dense product.</summary>
    public static bool PreferDense(long nonZeros, int rows, int width) => nonZeros * SparseEntryCost >= (long)rows * width;

    /// <summary>y[r] += Σ_j f[r, j]·W_dec[j], sparse or as one dense GEMM per block of rows (see the class summary).</summary>
    public static void AddRowsAuto(SparseCodes features, Tensor decoderWeight, Tensor y)
    {
        if (!PreferDense(features.NonZeros, features.Rows, features.Width) || LazyTranspose.IsMaterialized(decoderWeight))
        {
            AddRows(features, decoderWeight, y);
            return;
        }
        int n = features.Rows, f = features.Width, d = decoderWeight.Dim(1);
        if (y.Length != (long)n * d) throw new ArgumentException($"Output {y} does not hold {n} rows of {d}.");
        var stored = LazyTranspose.SourceOf(decoderWeight); // [d, F] when the decoder is a lazy transpose
        int block = Math.Max(1, Math.Min(n, DenseBlockFloats / f));
        var dense = ArrayPool<float>.Shared.Rent(block * f);
        try
        {
            for (int start = 0; start < n; start += block)
            {
                int rows = Math.Min(block, n - start);
                var part = dense.AsSpan(0, rows * f);
                Densify(features, start, rows, part);
                var output = y.Span.Slice(start * d, rows * d);
                if (stored is not null) Gemm.Sgemm(false, true, rows, d, f, 1f, part, stored.Read(), 1f, output);
                else Gemm.Sgemm(false, false, rows, d, f, 1f, part, decoderWeight.Read(), 1f, output);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dense);
        }
    }

    /// <summary>
    /// result[e] = W_dec[j_e]·g[row(e)] for every entry e of <paramref name="pattern"/>: the gradients with respect to
    /// those features when g [rows, d] is the gradient with respect to the decoder output. Sparse row dot products, or
    /// one dense GEMM g·W_decᵀ per block of rows from which the pattern's entries are read (see the class summary).
    /// </summary>
    public static void FeatureGradientsAuto(SparseCodes pattern, Tensor decoderWeight, ReadOnlySpan<float> outputGradient, Span<float> result)
    {
        int n = pattern.Rows, f = pattern.Width, d = decoderWeight.Dim(1);
        if (outputGradient.Length != (long)n * d) throw new ArgumentException($"Gradient of {outputGradient.Length} floats for {n} rows of {d}.");
        if (result.Length != pattern.NonZeros) throw new ArgumentException($"Result of {result.Length} floats for {pattern.NonZeros} features.");
        if (!PreferDense(pattern.NonZeros, n, f))
        {
            result.Clear();
            AddFeatureGradientsParallel(pattern, decoderWeight, outputGradient, result);
            return;
        }
        var stored = LazyTranspose.IsMaterialized(decoderWeight) ? null : LazyTranspose.SourceOf(decoderWeight);
        int block = Math.Max(1, Math.Min(n, DenseBlockFloats / f));
        var dense = ArrayPool<float>.Shared.Rent(block * f);
        try
        {
            for (int start = 0; start < n; start += block)
            {
                int rows = Math.Min(block, n - start);
                var part = dense.AsSpan(0, rows * f);
                var g = outputGradient.Slice(start * d, rows * d);
                if (stored is not null) Gemm.Sgemm(false, false, rows, f, d, 1f, g, stored.Read(), 0f, part);
                else Gemm.Sgemm(false, true, rows, f, d, 1f, g, decoderWeight.Read(), 0f, part);
                for (int r = 0; r < rows; r++)
                {
                    var idx = pattern.IndicesOf(start + r);
                    int at = pattern.RowStart[start + r];
                    var row = part.Slice(r * f, f);
                    for (int e = 0; e < idx.Length; e++) result[at + e] = row[idx[e]];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(dense);
        }
    }

    /// <summary>
    /// result[c, t] = W[rowIndices[t]]·g[c] for <paramref name="count"/> vectors g [count, d] and the listed rows of
    /// W [F, d]: the products of a sparse contraction in which several vectors meet the same rows. Each row is read once
    /// and meets four vectors per pass from registers, with no gathered copy of the rows (which a GEMM would need).
    /// </summary>
    public static void GatheredRowDots(Tensor rows, ReadOnlySpan<int> rowIndices, ReadOnlySpan<float> g, int count, Span<float> result)
    {
        int m = rowIndices.Length, d = rows.Dim(1);
        if (g.Length != (long)count * d) throw new ArgumentException($"{g.Length} floats for {count} vectors of {d}.");
        if (result.Length != (long)count * m) throw new ArgumentException($"Result of {result.Length} floats for {count}×{m} products.");
        var w = rows.Storage;
        unsafe
        {
            fixed (float* gp = g, rp = result)
            fixed (int* ip = rowIndices)
            {
                float* gv = gp, res = rp;
                int* ix = ip;
                Parallelism.ForRange(m, (long)count * d, (first, end) =>
                {
                    var weights = w.Span;
                    for (int t = first; t < end; t++)
                    {
                        var row = weights.Slice(ix[t] * d, d);
                        int c = 0;
                        if (Vector512.IsHardwareAccelerated && d % Vector512<float>.Count == 0)
                            for (; c + 4 <= count; c += 4) Dot4(row, gv + (long)c * d, d, res + (long)c * m + t, m);
                        for (; c < count; c++) res[(long)c * m + t] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(gv + (long)c * d, d));
                    }
                });
            }
        }
    }

    /// <summary>The dots of one row with four consecutive vectors g[0..3] (stride d), written at out[0], out[stride], ….</summary>
    private static unsafe void Dot4(ReadOnlySpan<float> row, float* g, int d, float* output, int stride)
    {
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        fixed (float* w = row)
        {
            for (int i = 0; i < d; i += Vector512<float>.Count)
            {
                var x = Vector512.Load(w + i);
                a0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + i), a0);
                a1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + d + i), a1);
                a2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + 2 * d + i), a2);
                a3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + 3 * d + i), a3);
            }
        }
        output[0] = Vector512.Sum(a0);
        output[stride] = Vector512.Sum(a1);
        output[2 * stride] = Vector512.Sum(a2);
        output[3 * stride] = Vector512.Sum(a3);
    }

    /// <summary>Rows start..start+rows of the codes as a dense [rows, F] block.</summary>
    private static void Densify(SparseCodes codes, int start, int rows, Span<float> dense)
    {
        int f = codes.Width;
        dense.Clear();
        for (int r = 0; r < rows; r++)
        {
            var idx = codes.IndicesOf(start + r);
            var val = codes.ValuesOf(start + r);
            var row = dense.Slice(r * f, f);
            for (int e = 0; e < idx.Length; e++) row[idx[e]] = val[e];
        }
    }

    /// <summary><see cref="AddFeatureGradients(SparseCodes, Tensor, ReadOnlySpan{float}, Span{float})"/> over rows on
    /// every core.</summary>
    private static unsafe void AddFeatureGradientsParallel(SparseCodes pattern, Tensor decoderWeight, ReadOnlySpan<float> outputGradient, Span<float> result)
    {
        int d = decoderWeight.Dim(1);
        var w = decoderWeight.Storage;
        fixed (float* gp = outputGradient, rp = result)
        {
            float* g = gp, res = rp;
            int gLength = outputGradient.Length, rLength = result.Length;
            Parallelism.ForRange(pattern.Rows, Math.Max(1, (long)(pattern.MeanL0 * d)), (first, end) =>
            {
                var weights = w.Span;
                var grads = new ReadOnlySpan<float>(g, gLength);
                var output = new Span<float>(res, rLength);
                for (int r = first; r < end; r++)
                {
                    var gRow = grads.Slice(r * d, d);
                    var idx = pattern.IndicesOf(r);
                    int at = pattern.RowStart[r];
                    for (int e = 0; e < idx.Length; e++) output[at + e] += TensorPrimitives.Dot(weights.Slice(idx[e] * d, d), gRow);
                }
            });
        }
    }

    /// <summary>y[r] += Σ_j f[r, j]·W_dec[j] over row r's active features; y is [N, d], W_dec [F, d].</summary>
    public static void AddRows(SparseCodes features, Tensor decoderWeight, Tensor y)
    {
        int n = features.Rows, d = decoderWeight.Dim(1);
        if (y.Length != (long)n * d) throw new ArgumentException($"Output {y} does not hold {n} rows of {d}.");
        if (decoderWeight.Dim(0) != features.Width) throw new ArgumentException($"Decoder {decoderWeight} for codes of width {features.Width}.");
        var w = decoderWeight.Storage;
        var ys = y.Storage;
        long work = Math.Max(1, (long)(features.MeanL0 * d));
        Parallelism.ForRange(n, work, (start, end) =>
        {
            var weights = w.Span;
            for (int r = start; r < end; r++)
            {
                var row = ys.Span.Slice(r * d, d);
                var idx = features.IndicesOf(r);
                var val = features.ValuesOf(r);
                for (int e = 0; e < idx.Length; e++) TensorPrimitives.MultiplyAdd(weights.Slice(idx[e] * d, d), val[e], row, row);
            }
        });
    }

    /// <summary>
    /// result[e] += W_dec[j_e]·g[row(e)] for every entry e of <paramref name="pattern"/> (feature j_e of row row(e)): the
    /// gradient of a scalar with respect to those features when g [N, d] is its gradient with respect to the decoder
    /// output. Only the listed features' decoder rows are read.
    /// </summary>
    public static void AddFeatureGradients(SparseCodes pattern, Tensor decoderWeight, ReadOnlySpan<float> outputGradient, Span<float> result) =>
        AddFeatureGradients(pattern, decoderWeight.Storage, decoderWeight.Dim(1), outputGradient, result);

    internal static void AddFeatureGradients(SparseCodes pattern, ReadOnlyMemory<float> decoderWeight, int d, ReadOnlySpan<float> outputGradient, Span<float> result)
    {
        if (outputGradient.Length != (long)pattern.Rows * d) throw new ArgumentException($"Gradient of {outputGradient.Length} floats for {pattern.Rows} rows of {d}.");
        if (result.Length != pattern.NonZeros) throw new ArgumentException($"Result of {result.Length} floats for {pattern.NonZeros} features.");
        for (int r = 0; r < pattern.Rows; r++)
        {
            var g = outputGradient.Slice(r * d, d);
            var idx = pattern.IndicesOf(r);
            int at = pattern.RowStart[r];
            var w = decoderWeight.Span;
            for (int e = 0; e < idx.Length; e++) result[at + e] += TensorPrimitives.Dot(w.Slice(idx[e] * d, d), g);
        }
    }
}
