namespace SparseCircuits.Tensors.Blas;

/// <summary>Which implementation runs matrix products.</summary>
public enum GemmBackend
{
    OpenBlas,
    Managed,
}

/// <summary>
/// Row-major single-precision GEMM: C = alpha·op(A)·op(B) + beta·C, with op = transpose when asked. Dispatches to
/// OpenBLAS (<c>cblas_sgemm</c> from libopenblas.so.0) when it is installed, else to <see cref="ManagedGemm"/>;
/// <c>SFC_BLAS=managed</c> forces the managed path.
/// </summary>
public static class Gemm
{
    static Gemm()
    {
        var env = Environment.GetEnvironmentVariable("SFC_BLAS");
        Backend = string.Equals(env, "managed", StringComparison.OrdinalIgnoreCase) || !OpenBlas.IsAvailable
            ? GemmBackend.Managed
            : GemmBackend.OpenBlas;
    }

    /// <summary>The implementation in use; settable (tests and benchmarks compare both).</summary>
    public static GemmBackend Backend { get; set; }

    /// <summary>C[m×n] = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n; lda/ldb/ldc are row strides.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        CheckExtent(a, transA ? k : m, transA ? m : k, lda, "A");
        CheckExtent(b, transB ? n : k, transB ? k : n, ldb, "B");
        CheckExtent(c, m, n, ldc, "C");
        // OpenBLAS's thread count is process-wide and cannot safely change while another thread is inside it, so an
        // item of Parallelism.Independent (one product per core already) runs the managed kernel on its own thread.
        if (Backend == GemmBackend.OpenBlas && !Parallelism.SerialHere) OpenBlas.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else ManagedGemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>Dense convenience form: lda/ldb/ldc from the shapes.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c) =>
        Sgemm(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n);

    /// <summary><paramref name="batch"/> independent products with fixed strides between consecutive matrices
    /// (a stride of 0 reuses one operand for every product).</summary>
    public static void SgemmStrided(int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, float beta, Span<float> c, int strideC)
    {
        int lda = transA ? m : k, ldb = transB ? k : n;
        for (int i = 0; i < batch; i++)
        {
            Sgemm(transA, transB, m, n, k, alpha,
                a.Slice(i * strideA, m * k), lda, b.Slice(i * strideB, k * n), ldb, beta, c.Slice(i * strideC, m * n), n);
        }
    }

    private static void CheckExtent(ReadOnlySpan<float> s, int rows, int cols, int ld, string name)
    {
        if (ld < cols) throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its {cols} columns.");
        long need = rows == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (s.Length < need) throw new ArgumentException($"GEMM: {name} holds {s.Length} floats, needs {need}.");
    }
}
