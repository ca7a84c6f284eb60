namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>A sparse vector of float64 sums: entries kept sorted by index, each added vector merged in (from the back,
/// in place, in storage that grows by doubling), so repeated indices cost one entry and adds allocate rarely.</summary>
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
        int total = Count + addIndices.Length;
        if (indices.Length < total)
        {
            int capacity = Math.Max(total, 2 * indices.Length);
            Array.Resize(ref indices, capacity);
            Array.Resize(ref sums, capacity);
        }
        // Merge from the back into [.., total): reads stay ahead of writes.
        int i = Count - 1, j = addIndices.Length - 1, w = total;
        while (i >= 0 || j >= 0)
        {
            int next = j < 0 || (i >= 0 && indices[i] >= addIndices[j]) ? indices[i] : addIndices[j];
            double sum = 0;
            for (; j >= 0 && addIndices[j] == next; j--) sum += addValues[j];
            for (; i >= 0 && indices[i] == next; i--) sum += sums[i];
            indices[--w] = next;
            sums[w] = sum;
        }
        int merged = total - w;
        if (w > 0)
        {
            Array.Copy(indices, w, indices, 0, merged);
            Array.Copy(sums, w, sums, 0, merged);
        }
        Count = merged;
    }
}
