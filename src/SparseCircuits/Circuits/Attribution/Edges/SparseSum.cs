namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>A sparse vector of float64 sums: entries kept sorted by index, each added vector merged in, so repeated
/// indices cost one entry.</summary>
internal sealed class SparseSum
{
    private int[] indices = [];
    private double[] sums = [];

    public int Count { get; private set; }

    public ReadOnlySpan<int> Indices => indices.AsSpan(0, Count);

    public ReadOnlySpan<double> Sums => sums.AsSpan(0, Count);

    /// <summary>Adds values at indices (ascending, possibly repeated).</summary>
    public void Add(ReadOnlySpan<int> addIndices, ReadOnlySpan<float> addValues)
    {
        if (addIndices.Length == 0) return;
        var mergedIndices = new int[Count + addIndices.Length];
        var mergedSums = new double[mergedIndices.Length];
        int i = 0, j = 0, m = 0;
        while (i < Count || j < addIndices.Length)
        {
            int next = j >= addIndices.Length || (i < Count && indices[i] <= addIndices[j]) ? indices[i] : addIndices[j];
            double sum = 0;
            for (; i < Count && indices[i] == next; i++) sum += sums[i];
            for (; j < addIndices.Length && addIndices[j] == next; j++) sum += addValues[j];
            mergedIndices[m] = next;
            mergedSums[m++] = sum;
        }
        indices = mergedIndices;
        sums = mergedSums;
        Count = m;
    }
}
