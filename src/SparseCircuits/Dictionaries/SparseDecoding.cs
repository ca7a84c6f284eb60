using System.Numerics.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;
using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries;

/// <summary>Kernels over sparse codes that touch only the active features' decoder rows.</summary>
public static class SparseDecoding
{
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
