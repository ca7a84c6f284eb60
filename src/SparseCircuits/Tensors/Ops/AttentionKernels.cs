using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tensors.Ops;

/// <summary>How the per-head products of <see cref="Attention"/> are computed.</summary>
internal enum AttentionKernel
{
    /// <summary><see cref="Tiles"/> where 256-bit vectors are accelerated, else <see cref="Blas"/>.</summary>
    Auto,

    /// <summary><see cref="CausalGemm"/>: managed register tiles that skip the masked half, heads on every core.</summary>
    Tiles,

    /// <summary><see cref="Gemm"/> (OpenBLAS) on whole heads, one head at a time (OpenBLAS threads itself).</summary>
    Blas,
}

/// <summary>
/// Kernels for one attention head. A head's queries (or keys, values, outputs) are an [S, D] matrix read in place
/// from a [B, S, heads, D] tensor: row i starts at offset + i·ld with ld = heads·D, so no per-head copies are made.
/// A head's pattern is a dense [S, S] block.
/// </summary>
internal static class AttentionKernels
{
    public static bool UseBlas(AttentionKernel kernel) =>
        kernel == AttentionKernel.Blas || (kernel == AttentionKernel.Auto && !Vector256.IsHardwareAccelerated);

    /// <summary>
    /// body(i) for every head (or other per-head work item). Managed tiles run on every core; OpenBLAS calls run one
    /// at a time, because OpenBLAS threads each product itself and concurrent threaded calls oversubscribe the cores
    /// (measured 20–40× slower on 2 cores at S = 128).
    /// </summary>
    public static void ForEachHead(int count, long workPerItem, bool blas, Action<int> body)
    {
        if (!blas)
        {
            Parallelism.For(count, workPerItem, body);
            return;
        }
        for (int i = 0; i < count; i++) body(i);
    }

    /// <summary>Scratch floats a head needs beside its [S, S] block (a transposed key or value head).</summary>
    public static int TransposeScratch(int s, int d, bool blas) => blas ? 0 : s * d;

    /// <summary>p[i, j] = softmax over j ≤ i of scale·q_i·k_j; entries above the diagonal are exactly 0.</summary>
    public static void Pattern(ReadOnlySpan<float> q, int ldq, ReadOnlySpan<float> k, int ldk, int s, int d, float scale,
        Span<float> p, Span<float> scratch, bool blas)
    {
        if (blas)
        {
            Gemm.Sgemm(false, true, s, s, d, scale, q, ldq, k, ldk, 0f, p, s);
        }
        else
        {
            var kT = scratch[..(s * d)];
            Transpose(k, ldk, s, d, kT);
            CausalGemm.Run(s, s, d, scale, q, ldq, 1, kT, s, p, s, accumulate: false, Triangle.ColumnsUpToRow);
        }
        for (int i = 0; i < s; i++) SoftmaxCausalRow(p.Slice(i * s, s), i + 1);
    }

    /// <summary>Softmax over the first <paramref name="visible"/> entries of a row; the rest become 0.</summary>
    private static void SoftmaxCausalRow(Span<float> row, int visible)
    {
        var r = row[..visible];
        float max = TensorPrimitives.Max(r);
        TensorPrimitives.Subtract(r, max, r);
        TensorPrimitives.Exp(r, r);
        TensorPrimitives.Divide(r, TensorPrimitives.Sum(r), r);
        row[visible..].Clear();
    }

    /// <summary>z = p·v for one head (z rows written, not accumulated).</summary>
    public static void Mix(ReadOnlySpan<float> p, ReadOnlySpan<float> v, int ldv, int s, int d, Span<float> z, int ldz, bool blas)
    {
        if (blas) Gemm.Sgemm(false, false, s, d, s, 1f, p, s, v, ldv, 0f, z, ldz);
        else CausalGemm.Run(s, d, s, 1f, p, s, 1, v, ldv, z, ldz, accumulate: false, IsCausal(p, s) ? Triangle.ReduceUpToRow : Triangle.None);
    }

    /// <summary>
    /// Backward of <see cref="Pattern"/> for one head and one seed: with gS = p ⊙ (gp − Σ_j gp·p) (the softmax VJP;
    /// zero above the diagonal because p is), adds scale·gS·k to gq and scale·gSᵀ·q to gk. <paramref name="gs"/> is
    /// [S, S] scratch.
    /// </summary>
    public static void PatternBackward(ReadOnlySpan<float> p, ReadOnlySpan<float> gp, ReadOnlySpan<float> q, int ldq,
        ReadOnlySpan<float> k, int ldk, int s, int d, float scale, Span<float> gs, Span<float> gq, Span<float> gk,
        bool needQ, bool needK, bool blas)
    {
        for (int i = 0; i < s; i++)
        {
            int n = i + 1;
            var pi = p.Slice(i * s, n);
            var gpi = gp.Slice(i * s, n);
            var gsi = gs.Slice(i * s, s);
            float dot = TensorPrimitives.Dot(gpi, pi);
            TensorPrimitives.Subtract(gpi, dot, gsi[..n]);
            TensorPrimitives.Multiply(gsi[..n], pi, gsi[..n]);
            gsi[n..].Clear();
        }
        if (needQ) Product(blas, false, s, d, s, scale, gs, s, k, ldk, gq, ldq, Triangle.ReduceUpToRow);
        if (needK) Product(blas, true, s, d, s, scale, gs, s, q, ldq, gk, ldk, Triangle.ReduceFromRow);
    }

    /// <summary>Backward of <see cref="Mix"/> for one head and one seed: gp += gz·vᵀ (the full [S, S] block, since a
    /// pattern replaced by a hook need not be causal) and gv += pᵀ·gz. <paramref name="scratch"/> holds
    /// <see cref="TransposeScratch"/> floats.</summary>
    public static void MixBackward(ReadOnlySpan<float> p, ReadOnlySpan<float> v, int ldv, ReadOnlySpan<float> gz, int ldz,
        int s, int d, Span<float> gp, Span<float> gv, Span<float> scratch, bool needP, bool needV, bool blas)
    {
        if (needP)
        {
            if (blas)
            {
                Gemm.Sgemm(false, true, s, s, d, 1f, gz, ldz, v, ldv, 1f, gp, s);
            }
            else
            {
                var vT = scratch[..(s * d)];
                Transpose(v, ldv, s, d, vT);
                CausalGemm.Run(s, s, d, 1f, gz, ldz, 1, vT, s, gp, s, accumulate: true, Triangle.None);
            }
        }
        if (needV) Product(blas, true, s, d, s, 1f, p, s, gz, ldz, gv, ldv, IsCausal(p, s) ? Triangle.ReduceFromRow : Triangle.None);
    }

    /// <summary>C += alpha·op(A)·B, A [m, kk] (stored [kk, m] when <paramref name="transA"/>) with row stride lda.</summary>
    private static void Product(bool blas, bool transA, int m, int n, int kk, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, Triangle triangle)
    {
        if (blas) Gemm.Sgemm(transA, false, m, n, kk, alpha, a, lda, b, ldb, 1f, c, ldc);
        else CausalGemm.Run(m, n, kk, alpha, a, transA ? 1 : lda, transA ? lda : 1, b, ldb, c, ldc, accumulate: true, triangle);
    }

    /// <summary>dst [cols, rows] = transpose of the rows × cols matrix at src with row stride ld.</summary>
    private static void Transpose(ReadOnlySpan<float> src, int ld, int rows, int cols, Span<float> dst)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = src.Slice(r * ld, cols);
            for (int c = 0; c < cols; c++) dst[c * rows + r] = row[c];
        }
    }

    /// <summary>True when a head's [S, S] block is zero above the diagonal (always, unless a hook replaced it).</summary>
    private static bool IsCausal(ReadOnlySpan<float> p, int s)
    {
        for (int i = 0; i + 1 < s; i++)
            if (p.Slice(i * s + i + 1, s - i - 1).ContainsAnyExcept(0f)) return false;
        return true;
    }
}
