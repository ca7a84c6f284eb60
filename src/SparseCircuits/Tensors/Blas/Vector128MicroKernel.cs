using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SparseCircuits.Tensors.Blas;

/// <summary>
/// 8×8 micro-kernel on 128-bit vectors, for machines without 256-bit vectors (Arm64 NEON has the 32 registers its 16
/// accumulators need); each k step issues 16 FMAs for two vector loads and eight broadcasts.
/// </summary>
internal readonly unsafe struct Vector128MicroKernel : IGemmMicroKernel
{
    public static int Rows => 8;

    public static int Cols => 8;

    public static int DepthBlock => 256;

    public static int RowBlock => 256;

    public static int ColumnBlock => 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector128<float> c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector128.Create(a[4]);
            c40 = Vector128.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector128.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector128.Create(a[5]);
            c50 = Vector128.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector128.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector128.Create(a[6]);
            c60 = Vector128.FusedMultiplyAdd(a6, b0, c60);
            c61 = Vector128.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector128.Create(a[7]);
            c70 = Vector128.FusedMultiplyAdd(a7, b0, c70);
            c71 = Vector128.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 8;
        }

        var va = Vector128.Create(alpha);
        var vb = Vector128.Create(beta);
        bool overwrite = beta == 0f;
        Store(c, c00, c01, va, vb, overwrite);
        Store(c + 1 * ldc, c10, c11, va, vb, overwrite);
        Store(c + 2 * ldc, c20, c21, va, vb, overwrite);
        Store(c + 3 * ldc, c30, c31, va, vb, overwrite);
        Store(c + 4 * ldc, c40, c41, va, vb, overwrite);
        Store(c + 5 * ldc, c50, c51, va, vb, overwrite);
        Store(c + 6 * ldc, c60, c61, va, vb, overwrite);
        Store(c + 7 * ldc, c70, c71, va, vb, overwrite);
    }

    /// <summary>Writes one tile row: alpha·acc, plus beta·c unless beta is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector128<float> lo, Vector128<float> hi, Vector128<float> va, Vector128<float> vb, bool overwrite)
    {
        if (overwrite)
        {
            Vector128.Store(lo * va, c);
            Vector128.Store(hi * va, c + 4);
        }
        else
        {
            Vector128.Store(Vector128.FusedMultiplyAdd(Vector128.Load(c), vb, lo * va), c);
            Vector128.Store(Vector128.FusedMultiplyAdd(Vector128.Load(c + 4), vb, hi * va), c + 4);
        }
    }
}
