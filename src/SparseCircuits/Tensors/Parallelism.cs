namespace SparseCircuits.Tensors;

/// <summary>Runs loops on every core when the work is large enough to pay for it, serially otherwise.</summary>
public static class Parallelism
{
    /// <summary>Below this many scalar operations a loop stays on the calling thread.</summary>
    public const long MinParallelWork = 1 << 15;

    private static int degree = Environment.ProcessorCount;

    /// <summary>Set on a thread that runs one of several independent items side by side (<see cref="Independent"/>).</summary>
    [ThreadStatic] private static bool serialHere;

    /// <summary>True on a thread running one of <see cref="Independent"/>'s items.</summary>
    internal static bool SerialHere => serialHere;

    /// <summary>Degree of parallelism for kernels (defaults to the core count); 1 on a thread running one of
    /// <see cref="Independent"/>'s items.</summary>
    public static int Degree
    {
        get => serialHere ? 1 : degree;
        set => degree = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Need at least one thread.");
    }

    /// <summary>
    /// body(i) for independent items i in [0, count), several at a time — one per core, each single-threaded
    /// (kernels, and matrix products on the managed GEMM) — taken in index order. Coarse items keep every core busy through the
    /// small serial steps between products, and no item waits on another's preempted thread. With one core (or one
    /// item) the items run in order on the calling thread with the usual parallel kernels. An exception from an item
    /// is rethrown as itself.
    /// </summary>
    public static void Independent(int count, Action<int> body)
    {
        int workers = Math.Min(degree, count);
        if (workers <= 1 || serialHere)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        int next = -1;
        try
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
            {
                serialHere = true;
                try
                {
                    for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next)) body(i);
                }
                finally
                {
                    serialHere = false;
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

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
