using SparseCircuits.Dictionaries;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>Row-level assembly of <see cref="SparseCodes"/>.</summary>
internal static class SparseRows
{
    /// <summary>New codes whose row r is row <c>rows[r].Row</c> of <c>rows[r].Codes</c>.</summary>
    public static SparseCodes Gather(IReadOnlyList<(SparseCodes Codes, int Row)> rows, int width)
    {
        var start = new int[rows.Count + 1];
        for (int r = 0; r < rows.Count; r++) start[r + 1] = start[r] + rows[r].Codes.IndicesOf(rows[r].Row).Length;
        var indices = new int[start[^1]];
        var values = new float[start[^1]];
        for (int r = 0; r < rows.Count; r++)
        {
            var (codes, row) = rows[r];
            if (codes.Width != width) throw new ArgumentException($"Codes of width {codes.Width} gathered into width {width}.");
            codes.IndicesOf(row).CopyTo(indices.AsSpan(start[r]));
            codes.ValuesOf(row).CopyTo(values.AsSpan(start[r]));
        }
        return new SparseCodes(rows.Count, width, start, indices, values);
    }
}
