using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SparseCircuits.Tensors.Blas;

/// <summary>
/// 6×16 micro-kernel on 256-bit vectors (AVX2 + FMA): 12 accumulators, two B vectors and one broadcast of A use 15 of
/// the 16 vector registers; each k step issues 12 FMAs for two vector loads and six broadcasts.
/// </summary>
internal readonly unsafe struct Vector256MicroKernel : IGemmMicroKernel
{
    public static int Rows => 6;

    public static int Cols => 16;

    public static int DepthBlock => 256;

    public static int RowBlock => 240;

    public static int ColumnBlock => 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }

        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool overwrite = beta == 0f;
        Store(c, c00, c01, va, vb, overwrite);
        Store(c + 1 * ldc, c10, c11, va, vb, overwrite);
        Store(c + 2 * ldc, c20, c21, va, vb, overwrite);
        Store(c + 3 * ldc, c30, c31, va, vb, overwrite);
        Store(c + 4 * ldc, c40, c41, va, vb, overwrite);
        Store(c + 5 * ldc, c50, c51, va, vb, overwrite);
    }

    /// <summary>Writes one tile row: alpha·acc, plus beta·c unless beta is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> lo, Vector256<float> hi, Vector256<float> va, Vector256<float> vb, bool overwrite)
    {
        if (overwrite)
        {
            Vector256.Store(lo * va, c);
            Vector256.Store(hi * va, c + 8);
        }
        else
        {
            Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(c), vb, lo * va), c);
            Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(c + 8), vb, hi * va), c + 8);
        }
    }
}
