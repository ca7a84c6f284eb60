namespace SparseCircuits.Models.Tokenizers.ByteLevel;

/// <summary>
/// A BPE merge table: for a pair of adjacent token ids, the rank of its merge (lower merges first) and the id of
/// the merged token. Merging picks the lowest rank, leftmost first, with a heap over a linked list of symbols,
/// so a word of n symbols costs O(n log n), not the O(n²) of rescanning all pairs after every merge.
/// </summary>
internal sealed class BpeMerges
{
    private readonly Dictionary<long, (int Rank, int MergedId)> _rules;

    public BpeMerges(Dictionary<long, (int Rank, int MergedId)> rules) => _rules = rules;

    public static long Key(int left, int right) => PairKeyComparer.Pack(left, right);

    /// <summary>
    /// Merges <paramref name="ids"/> in place and returns how many symbols remain at the front of
    /// <paramref name="ids"/>/<paramref name="byteLengths"/>; a merged symbol's byte length is the sum of its parts.
    /// </summary>
    public int Merge(Span<int> ids, Span<int> byteLengths)
    {
        int n = ids.Length;
        if (n < 2) return n;
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }

        // Build the heap from all initial pairs at once (linear), then push only the pairs merges create.
        var initial = new List<(Candidate, long)>(n);
        for (int i = 0; i + 1 < n; i++)
            if (_rules.TryGetValue(Key(ids[i], ids[i + 1]), out var rule))
                initial.Add((new Candidate(i, i + 1, ids[i], ids[i + 1], rule.MergedId), Priority(rule.Rank, i)));
        var queue = new PriorityQueue<Candidate, long>(initial);

        while (queue.TryDequeue(out var c, out _))
        {
            // Skip candidates that earlier merges made stale.
            if (ids[c.Left] != c.LeftId || next[c.Left] != c.Right || ids[c.Right] != c.RightId) continue;
            ids[c.Left] = c.MergedId;
            byteLengths[c.Left] += byteLengths[c.Right];
            ids[c.Right] = -1; // removed
            int after = next[c.Right];
            next[c.Left] = after;
            if (after >= 0) prev[after] = c.Left;
            if (prev[c.Left] >= 0) Offer(queue, ids, prev[c.Left], c.Left);
            if (after >= 0) Offer(queue, ids, c.Left, after);
        }

        int kept = 0;
        for (int i = 0; i >= 0; i = next[i])
        {
            ids[kept] = ids[i];
            byteLengths[kept] = byteLengths[i];
            kept++;
        }
        return kept;
    }

    private void Offer(PriorityQueue<Candidate, long> queue, Span<int> ids, int left, int right)
    {
        if (_rules.TryGetValue(Key(ids[left], ids[right]), out var rule))
            queue.Enqueue(new Candidate(left, right, ids[left], ids[right], rule.MergedId), Priority(rule.Rank, left));
    }

    private static long Priority(int rank, int left) => ((long)rank << 32) | (uint)left;

    private readonly record struct Candidate(int Left, int Right, int LeftId, int RightId, int MergedId);
}
