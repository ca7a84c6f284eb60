using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SparseCircuits.Tensors.Blas;

/// <summary>Which register-blocked kernel <see cref="ManagedGemm"/> runs.</summary>
internal enum ManagedGemmKernel
{
    /// <summary>The widest vectors the machine accelerates.</summary>
    Auto,
    Vector512,
    Vector256,
    Vector128,
}

/// <summary>
/// Managed GEMM used when OpenBLAS is absent or SFC_BLAS=managed; same contract as <see cref="Gemm.Sgemm(bool, bool,
/// int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>.
/// GotoBLAS-style: op(B) is packed in KC×NC blocks and op(A) in MC×KC blocks (kept in L2), and a register-blocked FMA
/// micro-kernel computes each MR×NR tile of C from an A micro-panel and a B micro-panel (KC×NR, kept in L1), in
/// float32 like BLAS. Large products are split across threads into a grid of C regions that need no synchronisation.
/// </summary>
internal static unsafe class ManagedGemm
{
    /// <summary>Below this many multiply-adds per thread, a thread costs more than it saves.</summary>
    private const long MinMultiplyAddsPerThread = 1 << 19;

    private static int maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>Most threads one product uses (default: <see cref="Environment.ProcessorCount"/>).</summary>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegreeOfParallelism;
        set => maxDegreeOfParallelism = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The managed GEMM needs at least one thread.");
    }

    /// <summary>The kernel to run; <see cref="ManagedGemmKernel.Auto"/> picks the widest accelerated one.</summary>
    public static ManagedGemmKernel Kernel { get; set; } = ManagedGemmKernel.Auto;

    /// <summary>The kernel <see cref="Sgemm"/> runs now (never <see cref="ManagedGemmKernel.Auto"/>).</summary>
    public static ManagedGemmKernel EffectiveKernel => Kernel != ManagedGemmKernel.Auto ? Kernel
        : Vector512.IsHardwareAccelerated ? ManagedGemmKernel.Vector512
        : Vector256.IsHardwareAccelerated ? ManagedGemmKernel.Vector256
        : ManagedGemmKernel.Vector128;

    /// <summary>C[m×n] = alpha·op(A)·op(B) + beta·C, row-major, op(A) m×k, op(B) k×n; lda/ldb/ldc are row strides.
    /// beta = 0 overwrites C (NaN there does not propagate); alpha = 0 or k = 0 only scales C.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Sgemm(EffectiveKernel, Math.Min(MaxDegreeOfParallelism, Parallelism.Degree), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary><see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int,
    /// float, Span{float}, int)"/> with an explicit kernel and thread limit, leaving the process-wide settings alone.</summary>
    internal static void Sgemm(ManagedGemmKernel kernel, int maxThreads, bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        if (m == 0 || n == 0) return;
        // The kernels index through raw pointers, so the extents are checked here even when Gemm already did.
        CheckExtent(c.Length, m, n, ldc, "C");
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        CheckExtent(a.Length, transA ? k : m, transA ? m : k, lda, "A");
        CheckExtent(b.Length, transB ? n : k, transB ? k : n, ldb, "B");
        fixed (float* pa = a, pb = b, pc = c)
        {
            var problem = new GemmProblem(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            switch (kernel == ManagedGemmKernel.Auto ? EffectiveKernel : kernel)
            {
                case ManagedGemmKernel.Vector512: Run<Vector512MicroKernel>(problem, maxThreads); break;
                case ManagedGemmKernel.Vector256: Run<Vector256MicroKernel>(problem, maxThreads); break;
                default: Run<Vector128MicroKernel>(problem, maxThreads); break;
            }
        }
    }

    private static void Run<TKernel>(GemmProblem p, int maxThreads) where TKernel : struct, IGemmMicroKernel
    {
        int rowPanels = DivUp(p.M, TKernel.Rows), colPanels = DivUp(p.N, TKernel.Cols);
        var grid = GemmThreadGrid.Choose(p.M, p.N, p.K, rowPanels, colPanels, TKernel.ColumnBlock,
            maxThreads, MinMultiplyAddsPerThread);
        if (grid.Count == 1)
        {
            RunRegion<TKernel>(p, 0, p.M, 0, p.N);
            return;
        }

        Parallel.For(0, grid.Count, new ParallelOptions { MaxDegreeOfParallelism = grid.Count }, w =>
        {
            var (r0, r1) = GemmThreadGrid.Share(rowPanels, grid.Rows, w / grid.Cols);
            var (c0, c1) = GemmThreadGrid.Share(colPanels, grid.Cols, w % grid.Cols);
            RunRegion<TKernel>(p, r0 * TKernel.Rows, Math.Min(r1 * TKernel.Rows, p.M),
                c0 * TKernel.Cols, Math.Min(c1 * TKernel.Cols, p.N));
        });
    }

    /// <summary>
    /// The sequential blocked product for rows [r0, r1) and columns [c0, c1) of C: for each KC×NC block of op(B)
    /// (packed once), for each MC×KC block of op(A) (packed once per B block), every MR×NR tile of C. Each dimension
    /// is cut into near-equal blocks no larger than the kernel's, so no block is a thin remainder.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRegion<TKernel>(in GemmProblem p, int r0, int r1, int c0, int c1)
        where TKernel : struct, IGemmMicroKernel
    {
        int mr = TKernel.Rows, nr = TKernel.Cols;
        int kcMax = EvenBlock(p.K, TKernel.DepthBlock, 1);
        int mcMax = EvenBlock(r1 - r0, TKernel.RowBlock, mr);
        int ncMax = EvenBlock(c1 - c0, TKernel.ColumnBlock, nr);
        // 16 spare floats let the packed blocks start on a 64-byte line.
        float[] aRented = ArrayPool<float>.Shared.Rent(DivUp(mcMax, mr) * mr * kcMax + 16);
        float[] bRented = ArrayPool<float>.Shared.Rent(DivUp(ncMax, nr) * nr * kcMax + 16);
        float* edge = stackalloc float[mr * nr];
        try
        {
            fixed (float* aBase = aRented, bBase = bRented)
            {
                float* aPacked = AlignTo64(aBase), bPacked = AlignTo64(bBase);
                for (int jc = c0; jc < c1; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, c1 - jc);
                    for (int pc = 0; pc < p.K; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, p.K - pc);
                        // Later depth blocks add onto what the first one wrote.
                        float beta = pc == 0 ? p.Beta : 1f;
                        GemmPacking.PackB(p.TransB, p.B, p.Ldb, pc, kc, jc, nc, nr, bPacked);
                        for (int ic = r0; ic < r1; ic += mcMax)
                        {
                            int mc = Math.Min(mcMax, r1 - ic);
                            GemmPacking.PackA(p.TransA, p.A, p.Lda, ic, mc, pc, kc, mr, aPacked);
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                int cols = Math.Min(nr, nc - jr);
                                float* bPanel = bPacked + (nint)jr * kc;
                                for (int ir = 0; ir < mc; ir += mr)
                                {
                                    int rows = Math.Min(mr, mc - ir);
                                    float* aPanel = aPacked + (nint)ir * kc;
                                    float* cTile = p.C + (ic + ir) * p.Ldc + jc + jr;
                                    if (rows == mr && cols == nr)
                                    {
                                        TKernel.Multiply(kc, aPanel, bPanel, cTile, p.Ldc, p.Alpha, beta);
                                    }
                                    else
                                    {
                                        TKernel.Multiply(kc, aPanel, bPanel, edge, nr, 1f, 0f);
                                        MergeEdge(edge, nr, cTile, p.Ldc, rows, cols, p.Alpha, beta);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aRented);
            ArrayPool<float>.Shared.Return(bRented);
        }
    }

    /// <summary>The block size that cuts <paramref name="extent"/> into the fewest blocks of at most
    /// <paramref name="maxBlock"/>, near-equal and rounded up to a multiple of <paramref name="unit"/>.</summary>
    private static int EvenBlock(int extent, int maxBlock, int unit)
    {
        int blocks = DivUp(extent, maxBlock);
        return Math.Min(maxBlock, DivUp(DivUp(extent, blocks), unit) * unit);
    }

    /// <summary>Writes the valid rows×cols corner of a full tile computed into scratch.</summary>
    private static void MergeEdge(float* tile, int tileStride, float* c, nint ldc, int rows, int cols, float alpha, float beta)
    {
        for (int i = 0; i < rows; i++)
        {
            float* t = tile + i * tileStride;
            float* ci = c + i * ldc;
            if (beta == 0f)
            {
                for (int j = 0; j < cols; j++) ci[j] = alpha * t[j];
            }
            else
            {
                for (int j = 0; j < cols; j++) ci[j] = MathF.FusedMultiplyAdd(beta, ci[j], alpha * t[j]);
            }
        }
    }

    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static void CheckExtent(int length, int rows, int cols, int ld, string name)
    {
        if (ld < Math.Max(cols, 1))
            throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its {cols} columns.");
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need) throw new ArgumentException($"GEMM: {name} holds {length} floats, needs {need}.");
    }

    private static int DivUp(int x, int y) => (x + y - 1) / y;

    private static float* AlignTo64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}
