using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Feature activations of N rows held sparsely (compressed sparse rows): row r's active features are
/// <c>Indices[RowStart[r]..RowStart[r+1]]</c> with <c>Values</c> alongside, indices ascending within a row.
/// </summary>
public sealed class SparseCodes
{
    public SparseCodes(int rows, int width, int[] rowStart, int[] indices, float[] values)
    {
        if (rowStart.Length != rows + 1 || rowStart[0] != 0 || rowStart[rows] != indices.Length || indices.Length != values.Length)
            throw new ArgumentException("Inconsistent sparse code arrays.");
        Rows = rows;
        Width = width;
        RowStart = rowStart;
        Indices = indices;
        Values = values;
    }

    public int Rows { get; }

    /// <summary>Number of features F.</summary>
    public int Width { get; }

    public int[] RowStart { get; }
    public int[] Indices { get; }
    public float[] Values { get; }

    public int NonZeros => Indices.Length;

    /// <summary>Mean number of active features per row.</summary>
    public double MeanL0 => Rows == 0 ? 0 : (double)NonZeros / Rows;

    public ReadOnlySpan<int> IndicesOf(int row) => Indices.AsSpan(RowStart[row], RowStart[row + 1] - RowStart[row]);

    public ReadOnlySpan<float> ValuesOf(int row) => Values.AsSpan(RowStart[row], RowStart[row + 1] - RowStart[row]);

    /// <summary>The nonzero entries of a dense [N, F] matrix.</summary>
    public static SparseCodes FromDense(ReadOnlySpan<float> dense, int rows, int width)
    {
        var start = new int[rows + 1];
        int nnz = 0;
        for (int r = 0; r < rows; r++)
        {
            foreach (var v in dense.Slice(r * width, width)) if (v != 0) nnz++;
            start[r + 1] = nnz;
        }
        var idx = new int[nnz];
        var val = new float[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = dense.Slice(r * width, width);
            for (int i = 0; i < width; i++)
                if (row[i] != 0) { idx[k] = i; val[k++] = row[i]; }
        }
        return new SparseCodes(rows, width, start, idx, val);
    }

    public static SparseCodes FromDense(Tensor dense) => FromDense(dense.Span, dense.Rows, dense.Columns);

    /// <summary>Dense [Rows, Width] copy.</summary>
    public Tensor ToDense()
    {
        var t = Tensor.Zeros(Rows, Width);
        var s = t.Span;
        for (int r = 0; r < Rows; r++)
        {
            var idx = IndicesOf(r);
            var val = ValuesOf(r);
            for (int j = 0; j < idx.Length; j++) s[r * Width + idx[j]] = val[j];
        }
        return t;
    }
}
