using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SparseCircuits.Tensors.Blas;

/// <summary>
/// 12×32 micro-kernel on 512-bit vectors (AVX-512): 24 accumulators, two B vectors and one broadcast of A fit in
/// the 32 vector registers; each k step issues 24 FMAs for two vector loads and 12 broadcasts.
/// </summary>
internal readonly unsafe struct Vector512MicroKernel : IGemmMicroKernel
{
    public static int Rows => 12;

    public static int Cols => 32;

    public static int DepthBlock => 256;

    public static int RowBlock => 252;

    public static int ColumnBlock => 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(a8, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(a9, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(a10, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(a11, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(a11, b1, c111);
            a += 12;
            b += 32;
        }

        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool overwrite = beta == 0f;
        Store(c, c00, c01, va, vb, overwrite);
        Store(c + 1 * ldc, c10, c11, va, vb, overwrite);
        Store(c + 2 * ldc, c20, c21, va, vb, overwrite);
        Store(c + 3 * ldc, c30, c31, va, vb, overwrite);
        Store(c + 4 * ldc, c40, c41, va, vb, overwrite);
        Store(c + 5 * ldc, c50, c51, va, vb, overwrite);
        Store(c + 6 * ldc, c60, c61, va, vb, overwrite);
        Store(c + 7 * ldc, c70, c71, va, vb, overwrite);
        Store(c + 8 * ldc, c80, c81, va, vb, overwrite);
        Store(c + 9 * ldc, c90, c91, va, vb, overwrite);
        Store(c + 10 * ldc, c100, c101, va, vb, overwrite);
        Store(c + 11 * ldc, c110, c111, va, vb, overwrite);
    }

    /// <summary>Writes one tile row: alpha·acc, plus beta·c unless beta is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> lo, Vector512<float> hi, Vector512<float> va, Vector512<float> vb, bool overwrite)
    {
        if (overwrite)
        {
            Vector512.Store(lo * va, c);
            Vector512.Store(hi * va, c + 16);
        }
        else
        {
            Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(c), vb, lo * va), c);
            Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(c + 16), vb, hi * va), c + 16);
        }
    }
}
