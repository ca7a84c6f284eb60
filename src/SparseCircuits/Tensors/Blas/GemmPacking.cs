using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SparseCircuits.Tensors.Simd;

namespace SparseCircuits.Tensors.Blas;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream through: micro-panels stored k-major
/// (a panel's width values for one k step lie together), zero padded to whole panels so that edge tiles run the same
/// kernel. Transposition is absorbed here, with 8×8 register transposes where the source runs along k. Hot loops are
/// compiled fully optimised at once (a single CLI run should not spend its first products in tier-0 code).
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into ceil(mc/mr) consecutive micro-panels of mr×kc floats.
    /// op(A)[i, p] is a[i·lda + p], or a[p·lda + i] when <paramref name="transA"/>.
    /// </summary>
    public static void PackA(bool transA, float* a, nint lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        if (transA)
        {
            PackAlongRows(a + p0 * lda + i0, lda, kc, mc, mr, dst);
            return;
        }

        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            PackAcrossRows(a + (i0 + r0) * lda + p0, lda, Math.Min(mr, mc - r0), kc, mr, dst + (nint)r0 * kc);
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] into ceil(nc/nr) consecutive micro-panels of kc×nr floats.
    /// op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when <paramref name="transB"/>.
    /// </summary>
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        if (!transB)
        {
            PackAlongRows(b + p0 * ldb + j0, ldb, kc, nc, nr, dst);
            return;
        }

        for (int c0 = 0; c0 < nc; c0 += nr)
        {
            PackAcrossRows(b + (j0 + c0) * ldb + p0, ldb, Math.Min(nr, nc - c0), kc, nr, dst + (nint)c0 * kc);
        }
    }

    /// <summary>
    /// Panels whose values for k step p lie in source row p (src + p·ld), <paramref name="extent"/> of them split into
    /// panels of <paramref name="width"/>. Works on 16 source rows at a time: they stay in L1 while every panel gets a
    /// contiguous run of 16 steps, so neither side strides through memory one line per value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAlongRows(float* src, nint ld, int kc, int extent, int width, float* dst)
    {
        const int RowsPerPass = 16;
        for (int p0 = 0; p0 < kc; p0 += RowsPerPass)
        {
            int p1 = Math.Min(p0 + RowsPerPass, kc);
            for (int c0 = 0; c0 < extent; c0 += width)
            {
                int count = Math.Min(width, extent - c0);
                float* panel = dst + (nint)c0 * kc;
                for (int p = p0; p < p1; p++)
                {
                    float* d = panel + (nint)p * width;
                    CopyRun(src + p * ld + c0, d, count);
                    for (int j = count; j < width; j++) d[j] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// A panel whose value r for k step p is src[r·ld + p]: a transpose of <paramref name="count"/> source rows, done
    /// 8 rows × 8 k steps at a time in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAcrossRows(float* src, nint ld, int count, int kc, int width, float* dst)
    {
        int pVector = Avx.IsSupported ? kc & ~7 : 0;
        for (int g = 0; g < count; g += 8)
        {
            int rows = Math.Min(8, count - g);
            for (int p = 0; p < pVector; p += 8)
            {
                TransposeBlock(src + g * ld + p, ld, rows, dst + (nint)p * width + g, width);
            }

            for (int r = g; r < g + rows; r++)
            {
                float* s = src + r * ld;
                for (int p = pVector; p < kc; p++) dst[(nint)p * width + r] = s[p];
            }
        }

        for (int r = count; r < width; r++)
        {
            for (int p = 0; p < kc; p++) dst[(nint)p * width + r] = 0f;
        }
    }

    /// <summary>
    /// Reads <paramref name="rows"/> (1 to 8) rows of 8 floats at src, src + ld, ...; writes their 8 columns to dst,
    /// dst + dstStride, ..., each as <paramref name="rows"/> floats. Missing rows repeat the last one and are not
    /// written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeBlock(float* src, nint ld, int rows, float* dst, nint dstStride)
    {
        nint last = rows - 1;
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + Math.Min(1, last) * ld);
        var r2 = Avx.LoadVector256(src + Math.Min(2, last) * ld);
        var r3 = Avx.LoadVector256(src + Math.Min(3, last) * ld);
        var r4 = Avx.LoadVector256(src + Math.Min(4, last) * ld);
        var r5 = Avx.LoadVector256(src + Math.Min(5, last) * ld);
        var r6 = Avx.LoadVector256(src + Math.Min(6, last) * ld);
        var r7 = Avx.LoadVector256(src + Math.Min(7, last) * ld);

        Transpose8x8.InRegisters(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        StoreFirst(r0, dst, rows);
        StoreFirst(r1, dst + dstStride, rows);
        StoreFirst(r2, dst + 2 * dstStride, rows);
        StoreFirst(r3, dst + 3 * dstStride, rows);
        StoreFirst(r4, dst + 4 * dstStride, rows);
        StoreFirst(r5, dst + 5 * dstStride, rows);
        StoreFirst(r6, dst + 6 * dstStride, rows);
        StoreFirst(r7, dst + 7 * dstStride, rows);
    }

    /// <summary>Stores the first <paramref name="count"/> (1 to 8) lanes of v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFirst(Vector256<float> v, float* dst, int count)
    {
        if (count == 8)
        {
            v.Store(dst);
            return;
        }

        var lo = v.GetLower();
        if (count >= 4)
        {
            lo.Store(dst);
            lo = v.GetUpper();
            dst += 4;
            count -= 4;
        }

        if (count >= 2)
        {
            *(double*)dst = lo.AsDouble().ToScalar();
            lo = Vector128.Shuffle(lo, Vector128.Create(2, 3, 0, 1));
            dst += 2;
            count -= 2;
        }

        if (count == 1) *dst = lo.ToScalar();
    }

    /// <summary>Copies <paramref name="count"/> floats; runs are short (one panel width), so no call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* src, float* dst, int count)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= count; j += 8) Vector256.Load(src + j).Store(dst + j);
        }

        for (; j < count; j++) dst[j] = src[j];
    }
}
