namespace SparseCircuits.Tensors;

/// <summary>Runs loops on every core when the work is large enough to pay for it, serially otherwise.</summary>
public static class Parallelism
{
    /// <summary>Below this many scalar operations a loop stays on the calling thread.</summary>
    public const long MinParallelWork = 1 << 15;

    /// <summary>Degree of parallelism for kernels (defaults to the core count).</summary>
    public static int Degree { get; set; } = Environment.ProcessorCount;

    /// <summary>body(i) for i in [0, count); <paramref name="workPerItem"/> estimates the scalar operations per item.</summary>
    public static void For(int count, long workPerItem, Action<int> body)
    {
        if (count <= 0) return;
        if (Degree <= 1 || count == 1 || (long)count * workPerItem < MinParallelWork)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Degree }, body);
    }

    /// <summary>body(start, end) over contiguous chunks of [0, count), about one chunk per core.</summary>
    public static void ForRange(int count, long workPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        int chunks = (long)count * workPerItem < MinParallelWork ? 1 : Math.Min(Degree, count);
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Degree }, c =>
        {
            int start = (int)((long)count * c / chunks), end = (int)((long)count * (c + 1) / chunks);
            if (end > start) body(start, end);
        });
    }
}
