using System.Runtime.InteropServices;
using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Encodes rows once per distinct value. Rows of a batch repeat a lot: every example's first position often holds the
/// same token, a clean run and its patch run agree bit for bit up to the first token where they differ (causal
/// attention), and in evaluation the runs of a sweep share rows until their masks differ. Rows are compared bit for bit,
/// so nothing is approximated: a row's code is the one the dictionary gives that row.
/// </summary>
internal static class DistinctRows
{
    /// <summary>f of every row of <paramref name="x"/> [N, d], each distinct row encoded once and its code copied to
    /// the rows equal to it.</summary>
    public static SparseCodes EncodeEvery(IFeatureDictionary dictionary, Tensor x)
    {
        int n = x.Rows, d = x.Columns;
        var all = new int[n];
        for (int r = 0; r < n; r++) all[r] = r;
        var (distinct, map) = Find(x.Read(), d, all);
        if (distinct.Count == n) return dictionary.EncodeSparse(x); // all different: no copy, no gather
        return Encode(dictionary, x.Read(), d, distinct).GatherRows(map);
    }

    /// <summary>f of the <paramref name="count"/> rows of <paramref name="x"/> listed in <paramref name="rows"/>
    /// ([*, d] row-major), as codes over the distinct rows and, per listed row, its row in those codes.</summary>
    public static (SparseCodes Codes, int[] CodeRow) Encode(IFeatureDictionary dictionary, ReadOnlySpan<float> x, int d, IReadOnlyList<int> rows)
    {
        var (distinct, map) = Find(x, d, rows);
        return (Encode(dictionary, x, d, distinct), map);
    }

    /// <summary>The first occurrence (a row index of <paramref name="x"/>) of each distinct row among
    /// <paramref name="rows"/>, and for each listed row the index of its distinct row.</summary>
    public static (List<int> Distinct, int[] Map) Find(ReadOnlySpan<float> x, int d, IReadOnlyList<int> rows)
    {
        var bits = MemoryMarshal.Cast<float, int>(x);
        var distinct = new List<int>();
        var map = new int[rows.Count];
        var buckets = new Dictionary<ulong, List<int>>();
        for (int i = 0; i < rows.Count; i++)
        {
            var row = bits.Slice(rows[i] * d, d);
            ulong hash = Hash(row);
            if (!buckets.TryGetValue(hash, out var candidates)) buckets[hash] = candidates = new List<int>(1);
            int found = -1;
            foreach (int c in candidates)
                if (row.SequenceEqual(bits.Slice(distinct[c] * d, d))) { found = c; break; }
            if (found < 0)
            {
                found = distinct.Count;
                distinct.Add(rows[i]);
                candidates.Add(found);
            }
            map[i] = found;
        }
        return (distinct, map);
    }

    /// <summary>The codes of rows <paramref name="rows"/> of <paramref name="x"/>, in that order (one encoder product
    /// over a copy of just those rows).</summary>
    private static SparseCodes Encode(IFeatureDictionary dictionary, ReadOnlySpan<float> x, int d, List<int> rows)
    {
        var unique = Tensor.Empty(rows.Count, d);
        for (int i = 0; i < rows.Count; i++) x.Slice(rows[i] * d, d).CopyTo(unique.Span.Slice(i * d, d));
        return dictionary.EncodeSparse(unique);
    }

    /// <summary>FNV-1a over the row's bits.</summary>
    private static ulong Hash(ReadOnlySpan<int> row)
    {
        ulong h = 14695981039346656037UL;
        foreach (int v in row) h = (h ^ (uint)v) * 1099511628211UL;
        return h;
    }
}
