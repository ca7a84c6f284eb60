namespace SparseCircuits.Dictionaries;

/// <summary>
/// Assembles <see cref="SparseCodes"/> from consecutive blocks of rows whose active features are chosen in parallel: each
/// block appends into its own growing arrays, and the blocks are joined in row order at the end.
/// </summary>
internal sealed class SparseCodesBuilder
{
    /// <summary>Writes the active features of one row (indices ascending) and returns how many there are; the spans
    /// hold at least the selector's maximum count.</summary>
    public delegate int RowSelector(ReadOnlySpan<float> row, Span<int> indices, Span<float> values);

    private readonly int rows;
    private readonly int width;
    private readonly int[] rowStart;
    private readonly List<Segment> segments = new();
    private int rowsDone;
    private int nonZeros;

    public SparseCodesBuilder(int rows, int width)
    {
        this.rows = rows;
        this.width = width;
        rowStart = new int[rows + 1];
    }

    /// <summary>Selects the active features of <paramref name="count"/> rows of <paramref name="dense"/> (row-major,
    /// <c>width</c> columns, starting at element <paramref name="offset"/>), appended after the rows added so far.</summary>
    public void AppendRows(float[] dense, int offset, int count, int maxActive, RowSelector select)
    {
        if (rowsDone + count > rows) throw new InvalidOperationException("More rows appended than the builder was made for.");
        int blocks = (long)count * width < Tensors.Parallelism.MinParallelWork ? 1 : Math.Min(Tensors.Parallelism.Degree, count);
        var parts = new Segment[blocks];
        var counts = new int[count];
        Tensors.Parallelism.For(blocks, (long)width * count / blocks, b =>
        {
            int first = (int)((long)count * b / blocks), end = (int)((long)count * (b + 1) / blocks);
            int capacity = Math.Max(maxActive, (end - first) * Math.Min(maxActive, 64));
            var idx = new int[capacity];
            var val = new float[capacity];
            int used = 0;
            for (int r = first; r < end; r++)
            {
                if (idx.Length - used < maxActive)
                {
                    int grown = Math.Max(idx.Length * 2, used + maxActive);
                    Array.Resize(ref idx, grown);
                    Array.Resize(ref val, grown);
                }
                int n = select(dense.AsSpan(offset + r * width, width), idx.AsSpan(used, maxActive), val.AsSpan(used, maxActive));
                counts[r] = n;
                used += n;
            }
            parts[b] = new Segment(idx, val, used);
        });
        for (int r = 0; r < count; r++)
        {
            nonZeros += counts[r];
            rowStart[rowsDone + r + 1] = nonZeros;
        }
        rowsDone += count;
        segments.AddRange(parts);
    }

    public SparseCodes Build()
    {
        if (rowsDone != rows) throw new InvalidOperationException($"{rowsDone} of {rows} rows were appended.");
        var idx = new int[nonZeros];
        var val = new float[nonZeros];
        int at = 0;
        foreach (var s in segments)
        {
            Array.Copy(s.Indices, 0, idx, at, s.Count);
            Array.Copy(s.Values, 0, val, at, s.Count);
            at += s.Count;
        }
        return new SparseCodes(rows, width, rowStart, idx, val);
    }

    private readonly record struct Segment(int[] Indices, float[] Values, int Count);
}
