namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// Hashing for (left id, right id) pairs packed in a long. long's own hash XORs the halves, so all pairs of small
/// ids would share a few buckets; this multiplies first (Fibonacci hashing).
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<long>
{
    public static PairKeyComparer Instance { get; } = new();

    public static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32);
}
