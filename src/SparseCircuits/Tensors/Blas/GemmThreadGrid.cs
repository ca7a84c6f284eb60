namespace SparseCircuits.Tensors.Blas;

/// <summary>
/// How the managed GEMM splits C among threads: <see cref="Rows"/>×<see cref="Cols"/> regions, one per thread, each
/// computed independently. A region packs the op(B) columns it needs once and the op(A) rows it needs once per column
/// block, so the split is chosen to keep that redundant packing small.
/// </summary>
internal readonly record struct GemmThreadGrid(int Rows, int Cols)
{
    public int Count => Rows * Cols;

    /// <summary>
    /// The grid for an m×n×k product whose C has <paramref name="rowPanels"/>×<paramref name="colPanels"/> micro-tiles,
    /// using at most <paramref name="maxThreads"/> threads and at least <paramref name="minWorkPerThread"/>
    /// multiply-adds per thread.
    /// </summary>
    public static GemmThreadGrid Choose(int m, int n, int k, int rowPanels, int colPanels, int columnBlock,
        int maxThreads, long minWorkPerThread)
    {
        long work = (long)m * n * k;
        long byWork = Math.Max(1, work / minWorkPerThread);
        int threads = (int)Math.Min(Math.Min(maxThreads, byWork), (long)rowPanels * colPanels);
        for (; threads > 1; threads--)
        {
            GemmThreadGrid? best = null;
            double bestCost = double.MaxValue;
            for (int rows = 1; rows <= threads; rows++)
            {
                if (threads % rows != 0) continue;
                int cols = threads / rows;
                if (rows > rowPanels || cols > colPanels) continue;
                // Packed floats per k: op(A) once per column block of every column region, op(B) once per row region.
                double columnBlocks = Math.Max(cols, Math.Ceiling((double)n / columnBlock));
                double cost = columnBlocks * m + (double)rows * n;
                if (cost < bestCost)
                {
                    bestCost = cost;
                    best = new GemmThreadGrid(rows, cols);
                }
            }

            if (best is { } grid) return grid;
        }

        return new GemmThreadGrid(1, 1);
    }

    /// <summary>The [start, end) share of <paramref name="total"/> items that part <paramref name="index"/> of
    /// <paramref name="parts"/> takes; shares differ by at most one item.</summary>
    public static (int Start, int End) Share(int total, int parts, int index)
    {
        int size = total / parts, extra = total % parts;
        int start = index * size + Math.Min(index, extra);
        return (start, start + size + (index < extra ? 1 : 0));
    }
}
