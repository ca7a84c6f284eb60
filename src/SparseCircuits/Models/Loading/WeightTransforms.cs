using SparseCircuits.Tensors;

namespace SparseCircuits.Models.Loading;

/// <summary>Re-layouts applied once at load time so that the forward pass sees one layout for every architecture.</summary>
internal static class WeightTransforms
{
    /// <summary>Columns [start, start+count) of an [in, out] (Conv1D) matrix, transposed to nn.Linear's [count, in].</summary>
    public static Tensor TransposedColumns(Tensor inOut, int start, int count)
    {
        int rows = inOut.Dim(0), cols = inOut.Dim(1);
        var t = Tensor.Empty(count, rows);
        var src = inOut.Span;
        var dst = t.Span;
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < count; c++)
            dst[c * rows + r] = src[r * cols + start + c];
        return t;
    }

    public static Tensor Transposed(Tensor inOut) => TransposedColumns(inOut, 0, inOut.Dim(1));

    /// <summary>Entries [start, start+count) of a vector, copied.</summary>
    public static Tensor Range(Tensor v, int start, int count) => Tensor.FromSpan(v.Span.Slice(start, count), count);

    /// <summary>
    /// Splits GPT-NeoX's fused query_key_value rows, laid out per head as [head][q|k|v][d_head], into three
    /// [heads·d_head, ...] blocks (works for the weight [3·H·D, d] and the bias [3·H·D]).
    /// </summary>
    public static (Tensor Q, Tensor K, Tensor V) SplitNeoXQkv(Tensor fused, int heads, int headDim)
    {
        int inner = fused.Rank == 2 ? fused.Dim(1) : 1;
        var shape = fused.Rank == 2 ? new[] { heads * headDim, inner } : new[] { heads * headDim };
        var q = Tensor.Empty(shape);
        var k = Tensor.Empty(shape);
        var v = Tensor.Empty(shape);
        var src = fused.Span;
        int block = headDim * inner;
        for (int h = 0; h < heads; h++)
        {
            int baseRow = h * 3 * block;
            src.Slice(baseRow, block).CopyTo(q.Span.Slice(h * block, block));
            src.Slice(baseRow + block, block).CopyTo(k.Span.Slice(h * block, block));
            src.Slice(baseRow + 2 * block, block).CopyTo(v.Span.Slice(h * block, block));
        }
        return (q, k, v);
    }
}
