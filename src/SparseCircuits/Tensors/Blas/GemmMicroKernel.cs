namespace SparseCircuits.Tensors.Blas;

/// <summary>
/// The register-blocked inner product of <see cref="ManagedGemm"/>: one <see cref="Rows"/>×<see cref="Cols"/> tile of C
/// from a packed A micro-panel (for each k step, <see cref="Rows"/> consecutive values of one column of op(A)) and a
/// packed B micro-panel (for each k step, <see cref="Cols"/> consecutive values of one row of op(B)). Implemented by
/// structs so that the driver, generic over the kernel, is specialised and inlined by the JIT.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the C tile (MR).</summary>
    static abstract int Rows { get; }

    /// <summary>Columns of the C tile (NR).</summary>
    static abstract int Cols { get; }

    /// <summary>Depth of one packed panel pair (KC): the B micro-panel, KC×NR floats, should stay in L1.</summary>
    static abstract int DepthBlock { get; }

    /// <summary>Rows of op(A) packed at a time (MC, a multiple of <see cref="Rows"/>): the packed A block, MC×KC
    /// floats, should stay in L2.</summary>
    static abstract int RowBlock { get; }

    /// <summary>Columns of op(B) packed at a time (NC, a multiple of <see cref="Cols"/>): the packed B block, KC×NC
    /// floats, is reused by every row block.</summary>
    static abstract int ColumnBlock { get; }

    /// <summary>
    /// c[Rows×Cols] (row stride <paramref name="ldc"/>) = alpha·(A panel · B panel) + beta·c over <paramref name="kc"/>
    /// k steps; beta == 0 overwrites c without reading it, so NaN garbage there does not leak into the result.
    /// </summary>
    static abstract void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta);
}
