namespace SparseCircuits.Tensors.Blas;

/// <summary>One pinned GEMM call, C = alpha·op(A)·op(B) + beta·C, as the managed driver's worker threads see it.</summary>
internal readonly unsafe struct GemmProblem(bool transA, bool transB, int m, int n, int k, float alpha,
    float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
{
    public bool TransA { get; } = transA;

    public bool TransB { get; } = transB;

    public int M { get; } = m;

    public int N { get; } = n;

    public int K { get; } = k;

    public float Alpha { get; } = alpha;

    public float Beta { get; } = beta;

    public float* A { get; } = a;

    public float* B { get; } = b;

    public float* C { get; } = c;

    public nint Lda { get; } = lda;

    public nint Ldb { get; } = ldb;

    public nint Ldc { get; } = ldc;
}
