using System.Buffers;
using System.Numerics.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Kernels over sparse codes and a decoder W_dec [F, d]. Sparse kernels touch only the active features' decoder rows;
/// a dense GEMM streams the whole matrix at full BLAS speed. The "Auto" forms pick whichever is cheaper for the codes at
/// hand (a sparse entry costs about <see cref="SparseEntryCost"/> dense multiply-adds), sparse ones by
/// <see cref="FeatureBlocks"/>, and both read a lazily transposed decoder in its stored [d, F] layout, so the transpose
/// need not be made.
/// </summary>
public static class SparseDecoding
{
    /// <summary>How many dense GEMM multiply-adds cost about as much as one sparse entry's d-long row in
    /// <see cref="FeatureBlocks"/>: codes denser than 1/this of their [rows, F] matrix go dense.</summary>
    public const int SparseEntryCost = 4;

    /// <summary>Dense scratch per GEMM block, in floats (16 MB).</summary>
    private const int DenseBlockFloats = 1 << 22;

    /// <summary>True when <paramref name="nonZeros"/> entries over <paramref name="rows"/> × <paramref name="width"/> are
    /// cheaper as a dense product.</summary>
    public static bool PreferDense(long nonZeros, int rows, int width) => nonZeros * SparseEntryCost >= (long)rows * width;

    /// <summary>y[r] += Σ_j f[r, j]·W_dec[j], by <see cref="FeatureBlocks"/> or as one dense GEMM per block of rows
    /// (see the class summary).</summary>
    public static void AddRowsAuto(SparseCodes features, Tensor decoderWeight, Tensor y)
    {
        int n = features.Rows, f = features.Width, d = decoderWeight.Dim(1);
        if (y.Length != (long)n * d) throw new ArgumentException($"Output {y} does not hold {n} rows of {d}.");
        if (!PreferDense(features.NonZeros, n, f))
        {
            FeatureBlocks.Combine(decoderWeight, features.RowStart, features.Indices, features.Values, y.Span);
            return;
        }
        var stored = LazyTranspose.IsMaterialized(decoderWeight) ? null : LazyTranspose.SourceOf(decoderWeight); // [d, F]
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
            var one = Enumerable.Range(0, n + 1).ToArray(); // one vector (gradient row) per pattern row
            FeatureBlocks.Dots(decoderWeight, pattern.RowStart, pattern.Indices, one, outputGradient, pattern.RowStart, result);
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
