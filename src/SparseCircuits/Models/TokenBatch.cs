namespace SparseCircuits.Models;

/// <summary>A batch of equal-length token sequences, row-major [Batch, Length].</summary>
public sealed record TokenBatch
{
    public TokenBatch(int[] ids, int batch, int length)
    {
        if (batch <= 0 || length <= 0 || ids.Length != batch * length)
            throw new ArgumentException($"{ids.Length} ids do not form a batch of {batch} sequences of {length} tokens.");
        Ids = ids;
        Batch = batch;
        Length = length;
    }

    public int[] Ids { get; }
    public int Batch { get; }
    public int Length { get; }

    public static TokenBatch Single(params int[] ids) => new(ids, 1, ids.Length);

    /// <summary>Stacks sequences that must all have the same length.</summary>
    public static TokenBatch Stack(IReadOnlyList<int[]> sequences)
    {
        if (sequences.Count == 0) throw new ArgumentException("No sequences to batch.");
        int len = sequences[0].Length;
        if (sequences.Any(s => s.Length != len))
            throw new ArgumentException("Sequences in one batch must have the same token length.");
        return new TokenBatch(sequences.SelectMany(s => s).ToArray(), sequences.Count, len);
    }

    public ReadOnlySpan<int> Row(int b) => Ids.AsSpan(b * Length, Length);

    /// <summary>The same batch repeated <paramref name="times"/> times (e.g. one copy per integrated-gradients step).</summary>
    public TokenBatch Repeat(int times)
    {
        var ids = new int[Ids.Length * times];
        for (int t = 0; t < times; t++) Ids.CopyTo(ids, t * Ids.Length);
        return new TokenBatch(ids, Batch * times, Length);
    }
}
