using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SparseCircuits.Tensors.Ops;

/// <summary>Which part of a product a causal (lower-triangular) operand lets <see cref="CausalGemm"/> skip.</summary>
internal enum Triangle
{
    /// <summary>The full product.</summary>
    None,

    /// <summary>A is lower triangular (A[i, k] = 0 for k &gt; i): row i sums over k ≤ i only.</summary>
    ReduceUpToRow,

    /// <summary>A is upper triangular (A[i, k] = 0 for k &lt; i, e.g. the transpose of a causal pattern): row i sums
    /// over k ≥ i only.</summary>
    ReduceFromRow,

    /// <summary>Only C[i, j] with j ≤ i is needed; entries above the diagonal may be left unwritten or hold garbage.</summary>
    ColumnsUpToRow,
}

/// <summary>
/// A small single-threaded matrix product for one attention head, C (+)= alpha·A·B with B row-major (rows along
/// the reduction) and A read one scalar at a time through arbitrary row and column strides (so Aᵀ costs nothing).
/// C is computed in 4 × 16 register tiles (then 4 × 8, then scalars), and causal structure skips the zero half.
/// Unlike OpenBLAS it can be called from every core at once without oversubscribing threads.
/// </summary>
internal static class CausalGemm
{
    private const int TileRows = 4;

    /// <summary>
    /// C[i, j] = alpha·Σ_k A[i, k]·B[k, j] (or += with <paramref name="accumulate"/>) for i &lt; m, j &lt; n, with
    /// A[i, k] = a[i·aRowStride + k·aColStride], B[k, j] = b[k·ldb + j], C[i, j] = c[i·ldc + j].
    /// </summary>
    public static void Run(int m, int n, int kk, float alpha, ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, Triangle triangle)
    {
        if (m == 0 || n == 0) return;
        CheckExtent(a.Length, (long)(m - 1) * aRowStride + (long)(kk - 1) * aColStride + 1, kk == 0, "A");
        CheckExtent(b.Length, (long)(kk - 1) * ldb + n, kk == 0, "B");
        CheckExtent(c.Length, (long)(m - 1) * ldc + n, false, "C");
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref MemoryMarshal.GetReference(c);
        for (int i = 0; i < m; i += TileRows)
        {
            int rows = Math.Min(TileRows, m - i), last = i + rows - 1;
            int kStart = triangle == Triangle.ReduceFromRow ? Math.Min(i, kk) : 0;
            int kEnd = triangle == Triangle.ReduceUpToRow ? Math.Min(last + 1, kk) : kk;
            int nEnd = triangle == Triangle.ColumnsUpToRow ? Math.Min(last + 1, n) : n;
            // Short tiles repeat their last row (computed, not stored) so that the inner loop has no branches.
            ref float r0 = ref Unsafe.Add(ref a0, i * aRowStride);
            ref float r1 = ref Unsafe.Add(ref a0, Math.Min(i + 1, last) * aRowStride);
            ref float r2 = ref Unsafe.Add(ref a0, Math.Min(i + 2, last) * aRowStride);
            ref float r3 = ref Unsafe.Add(ref a0, last * aRowStride);
            ref float ci = ref Unsafe.Add(ref c0, i * ldc);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j + 16 <= nEnd; j += 16)
                    Tile16(ref r0, ref r1, ref r2, ref r3, aColStride, ref Unsafe.Add(ref b0, j), ldb, kStart, kEnd,
                        ref Unsafe.Add(ref ci, j), ldc, rows, alpha, accumulate);
                for (; j + 8 <= nEnd; j += 8)
                    Tile8(ref r0, ref r1, ref r2, ref r3, aColStride, ref Unsafe.Add(ref b0, j), ldb, kStart, kEnd,
                        ref Unsafe.Add(ref ci, j), ldc, rows, alpha, accumulate);
            }
            for (; j < nEnd; j++)
            {
                for (int t = 0; t < rows; t++)
                {
                    ref float rt = ref Unsafe.Add(ref a0, (i + t) * aRowStride);
                    float acc = 0;
                    for (int k = kStart; k < kEnd; k++) acc += Unsafe.Add(ref rt, k * aColStride) * Unsafe.Add(ref b0, k * ldb + j);
                    ref float dst = ref Unsafe.Add(ref ci, t * ldc + j);
                    dst = accumulate ? dst + alpha * acc : alpha * acc;
                }
            }
        }
    }

    private static void Tile16(ref float r0, ref float r1, ref float r2, ref float r3, int acs, ref float b, int ldb,
        int kStart, int kEnd, ref float c, int ldc, int rows, float alpha, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int k = kStart; k < kEnd; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, k * ldb);
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, 8);
            var x = Vector256.Create(Unsafe.Add(ref r0, k * acs));
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref r1, k * acs));
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref r2, k * acs));
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref r3, k * acs));
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        Store(ref c, c00, alpha, accumulate);
        Store(ref Unsafe.Add(ref c, 8), c01, alpha, accumulate);
        if (rows < 2) return;
        Store(ref Unsafe.Add(ref c, ldc), c10, alpha, accumulate);
        Store(ref Unsafe.Add(ref c, ldc + 8), c11, alpha, accumulate);
        if (rows < 3) return;
        Store(ref Unsafe.Add(ref c, 2 * ldc), c20, alpha, accumulate);
        Store(ref Unsafe.Add(ref c, 2 * ldc + 8), c21, alpha, accumulate);
        if (rows < 4) return;
        Store(ref Unsafe.Add(ref c, 3 * ldc), c30, alpha, accumulate);
        Store(ref Unsafe.Add(ref c, 3 * ldc + 8), c31, alpha, accumulate);
    }

    private static void Tile8(ref float r0, ref float r1, ref float r2, ref float r3, int acs, ref float b, int ldb,
        int kStart, int kEnd, ref float c, int ldc, int rows, float alpha, bool accumulate)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int k = kStart; k < kEnd; k++)
        {
            var bk = Vector256.LoadUnsafe(ref Unsafe.Add(ref b, k * ldb));
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref r0, k * acs)), bk, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref r1, k * acs)), bk, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref r2, k * acs)), bk, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref r3, k * acs)), bk, c3);
        }
        Store(ref c, c0, alpha, accumulate);
        if (rows > 1) Store(ref Unsafe.Add(ref c, ldc), c1, alpha, accumulate);
        if (rows > 2) Store(ref Unsafe.Add(ref c, 2 * ldc), c2, alpha, accumulate);
        if (rows > 3) Store(ref Unsafe.Add(ref c, 3 * ldc), c3, alpha, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float dst, Vector256<float> acc, float alpha, bool accumulate)
    {
        var v = acc * alpha;
        if (accumulate) v += Vector256.LoadUnsafe(ref dst);
        v.StoreUnsafe(ref dst);
    }

    private static void CheckExtent(int have, long need, bool empty, string name)
    {
        if (!empty && have < need) throw new ArgumentException($"CausalGemm: {name} holds {have} floats, needs {need}.");
    }
}
