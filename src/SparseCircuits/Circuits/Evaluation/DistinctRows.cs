using System.Runtime.InteropServices;
using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Encodes rows once per distinct value. Rows repeat a lot in evaluation: every example's first position holds the
/// same token (and causal attention keeps it identical until a per-position ablation differs), and runs of a sweep
/// share rows until their masks differ. Rows are compared bit for bit, so nothing is approximated.
/// </summary>
internal static class DistinctRows
{
    /// <summary>f of the <paramref name="count"/> rows of <paramref name="x"/> listed in <paramref name="rows"/>
    /// ([*, d] row-major), as codes over the distinct rows and, per listed row, its row in those codes.</summary>
    public static (SparseCodes Codes, int[] CodeRow) Encode(IFeatureDictionary dictionary, ReadOnlySpan<float> x, int d, IReadOnlyList<int> rows)
    {
        var (distinct, map) = Find(x, d, rows);
        var unique = Tensor.Empty(distinct.Count, d);
        for (int i = 0; i < distinct.Count; i++) x.Slice(distinct[i] * d, d).CopyTo(unique.Span.Slice(i * d, d));
        return (dictionary.EncodeSparse(unique), map);
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

    /// <summary>FNV-1a over the row's bits.</summary>
    private static ulong Hash(ReadOnlySpan<int> row)
    {
        ulong h = 14695981039346656037UL;
        foreach (int v in row) h = (h ^ (uint)v) * 1099511628211UL;
        return h;
    }
}
