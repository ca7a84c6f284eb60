namespace SparseCircuits.Dictionaries.Splicing;

/// <summary>
/// Which features a splice records gradients for, given the features the dictionary found active: a function from the
/// active codes to the positions (with their values) to track. Feature gradients cost one d-long dot product per tracked
/// entry and seed, so tracking only what is needed keeps the backward pass sparse.
/// </summary>
public static class TrackedFeatures
{
    /// <summary>The active features (the default: a feature with f = 0 that stays 0 has no effect).</summary>
    public static readonly Func<SparseCodes, SparseCodes> Active = codes => codes;

    /// <summary>No features (only the error gradient is recorded).</summary>
    public static readonly Func<SparseCodes, SparseCodes> None = codes => SparseCodes.Empty(codes.Rows, codes.Width);

    /// <summary>Every feature of every row (dense; for small dictionaries and checks).</summary>
    public static readonly Func<SparseCodes, SparseCodes> All = codes =>
    {
        var start = new int[codes.Rows + 1];
        var idx = new int[(long)codes.Rows * codes.Width];
        for (int r = 0; r < codes.Rows; r++)
        {
            start[r + 1] = (r + 1) * codes.Width;
            for (int j = 0; j < codes.Width; j++) idx[r * codes.Width + j] = j;
        }
        return codes.At(start, idx);
    };

    /// <summary>Fixed positions (row r: <c>indices[rowStart[r]..rowStart[r+1]]</c>, ascending), e.g. the features active
    /// in either of a clean and a patched run.</summary>
    public static Func<SparseCodes, SparseCodes> At(int[] rowStart, int[] indices) => codes => codes.At(rowStart, indices);

    /// <summary>The active features plus those of <paramref name="other"/> (same rows).</summary>
    public static Func<SparseCodes, SparseCodes> ActiveOr(SparseCodes other) => codes => codes.Union(other);
}
