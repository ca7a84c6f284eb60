using System.Buffers;
using System.Numerics.Tensors;
using SparseCircuits.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// out[r] += Σ_e c_e·W[j_e] over sparse coefficient rows, the decoder half of an edited site. Done row by row, every
/// active feature reads its whole decoder row for a single output row; here rows are taken in blocks and the block's
/// entries regrouped by feature (a counting sort), so each decoder row is read once per block and applied to every
/// row of the block that uses it, with the block's output rows staying in cache.
/// </summary>
internal static class SparseRowSums
{
    /// <summary>Rows per block: 128 output rows of d = 512 floats are 256 KB, within a core's L2.</summary>
    private const int BlockRows = 128;

    /// <summary>dec(f) = b_dec + Σ_j f_j·W_dec[j] for every row of <paramref name="codes"/>, [rows, d_out] (an SAE's
    /// decoder; transcoders' skip terms are not supported here).</summary>
    public static Tensor Decode(Dictionaries.IFeatureDictionary dictionary, Dictionaries.SparseCodes codes)
    {
        int d = dictionary.OutputDim;
        var y = Tensor.Empty(codes.Rows, d);
        var bias = dictionary.DecoderBias.Span;
        for (int r = 0; r < codes.Rows; r++) bias.CopyTo(y.Span.Slice(r * d, d));
        Add(y.Storage, d, dictionary.DecoderWeight.Storage, dictionary.Width, Enumerable.Range(0, codes.Rows).ToArray(), codes.RowStart, codes.Indices, codes.Values);
        return y;
    }

    /// <param name="output">Rows of length d; entry row r adds into row <paramref name="outRows"/>[r].</param>
    /// <param name="rowStart">CSR offsets into <paramref name="features"/> and <paramref name="coefficients"/>, one
    /// more than the rows.</param>
    public static void Add(Memory<float> output, int d, ReadOnlyMemory<float> weights, int width,
        int[] outRows, int[] rowStart, int[] features, float[] coefficients)
    {
        int rows = outRows.Length;
        if (rows == 0) return;
        int blocks = (rows + BlockRows - 1) / BlockRows;
        long work = (long)(rowStart[rows] / Math.Max(1, rows) + 1) * d * BlockRows;
        Parallelism.For(blocks, work, b =>
        {
            int first = b * BlockRows, end = Math.Min(rows, first + BlockRows);
            int begin = rowStart[first], count = rowStart[end] - begin;
            if (count == 0) return;
            var start = ArrayPool<int>.Shared.Rent(width + 1);
            var byRow = ArrayPool<int>.Shared.Rent(count);
            var byCoefficient = ArrayPool<float>.Shared.Rent(count);
            try
            {
                // Counting sort of the block's entries by feature.
                Array.Clear(start, 0, width + 1);
                for (int e = begin; e < begin + count; e++) start[features[e] + 1]++;
                for (int j = 0; j < width; j++) start[j + 1] += start[j];
                for (int r = first; r < end; r++)
                    for (int e = rowStart[r]; e < rowStart[r + 1]; e++)
                    {
                        int at = start[features[e]]++;
                        byRow[at] = outRows[r];
                        byCoefficient[at] = coefficients[e];
                    }
                // start[j] now ends feature j's entries; walk features in order.
                var w = weights.Span;
                var o = output.Span;
                int from = 0;
                for (int j = 0; j < width; j++)
                {
                    int to = start[j];
                    if (to == from) continue;
                    var row = w.Slice(j * d, d);
                    for (int k = from; k < to; k++)
                    {
                        var target = o.Slice(byRow[k] * d, d);
                        TensorPrimitives.MultiplyAdd(row, byCoefficient[k], target, target);
                    }
                    from = to;
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(start);
                ArrayPool<int>.Shared.Return(byRow);
                ArrayPool<float>.Shared.Return(byCoefficient);
            }
        });
    }
}
