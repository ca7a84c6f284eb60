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

    /// <summary>Rows with no active features.</summary>
    public static SparseCodes Empty(int rows, int width) => new(rows, width, new int[rows + 1], [], []);

    /// <summary>The value of feature <paramref name="feature"/> in row <paramref name="row"/> (0 when inactive).</summary>
    public float ValueAt(int row, int feature)
    {
        int i = IndicesOf(row).BinarySearch(feature);
        return i >= 0 ? Values[RowStart[row] + i] : 0f;
    }

    /// <summary>
    /// This code read at another set of positions: row r's entries are <c>indices[rowStart[r]..rowStart[r+1]]</c>
    /// (ascending), with this code's values there (0 where a feature is inactive). Used to choose which features a
    /// splice records gradients for.
    /// </summary>
    public SparseCodes At(int[] rowStart, int[] indices)
    {
        if (rowStart.Length != Rows + 1) throw new ArgumentException($"{rowStart.Length - 1} rows of positions for {Rows} rows of codes.");
        var values = new float[indices.Length];
        for (int r = 0; r < Rows; r++)
        {
            for (int e = rowStart[r]; e < rowStart[r + 1]; e++)
            {
                if ((uint)indices[e] >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(indices), $"Feature {indices[e]} outside 0..{Width - 1}.");
                if (e > rowStart[r] && indices[e] <= indices[e - 1]) throw new ArgumentException($"Row {r}: feature indices must ascend.");
                values[e] = ValueAt(r, indices[e]);
            }
        }
        return new SparseCodes(Rows, Width, (int[])rowStart.Clone(), (int[])indices.Clone(), values);
    }

    /// <summary>Positions active here or in <paramref name="other"/> (same rows and width), with this code's values.</summary>
    public SparseCodes Union(SparseCodes other)
    {
        if (other.Rows != Rows || other.Width != Width) throw new ArgumentException("Sparse codes of different shapes.");
        var start = new int[Rows + 1];
        var idx = new List<int>(NonZeros + other.NonZeros);
        for (int r = 0; r < Rows; r++)
        {
            var a = IndicesOf(r);
            var b = other.IndicesOf(r);
            int i = 0, j = 0;
            while (i < a.Length || j < b.Length)
            {
                int next = j >= b.Length || (i < a.Length && a[i] <= b[j]) ? a[i] : b[j];
                idx.Add(next);
                if (i < a.Length && a[i] == next) i++;
                if (j < b.Length && b[j] == next) j++;
            }
            start[r + 1] = idx.Count;
        }
        return At(start, idx.ToArray());
    }

    /// <summary>Rows <paramref name="start"/>..start+count as codes of their own (copies).</summary>
    public SparseCodes SliceRows(int start, int count)
    {
        if ((uint)start > (uint)Rows || (uint)count > (uint)(Rows - start))
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows {start}..{start + count} outside 0..{Rows}.");
        int from = RowStart[start], to = RowStart[start + count];
        var rowStart = new int[count + 1];
        for (int r = 0; r <= count; r++) rowStart[r] = RowStart[start + r] - from;
        return new SparseCodes(count, Width, rowStart, Indices[from..to], Values[from..to]);
    }

    /// <summary>New codes whose row r is a copy of row <c>rows[r]</c> of these (rows may repeat and come in any order).</summary>
    public SparseCodes GatherRows(ReadOnlySpan<int> rows)
    {
        var rowStart = new int[rows.Length + 1];
        for (int r = 0; r < rows.Length; r++)
        {
            if ((uint)rows[r] >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {rows[r]} outside 0..{Rows - 1}.");
            rowStart[r + 1] = rowStart[r] + RowStart[rows[r] + 1] - RowStart[rows[r]];
        }
        var indices = new int[rowStart[^1]];
        var values = new float[indices.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            IndicesOf(rows[r]).CopyTo(indices.AsSpan(rowStart[r]));
            ValuesOf(rows[r]).CopyTo(values.AsSpan(rowStart[r]));
        }
        return new SparseCodes(rows.Length, Width, rowStart, indices, values);
    }

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
