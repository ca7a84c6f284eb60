using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SparseCircuits.Tensors.Simd;

/// <summary>
/// An 8×8 float transpose in AVX registers: eight row vectors in, the eight column vectors out in their place. Callers
/// do the loads and stores, so they choose the strides, partial tiles and any extra work on the rows. Callers check
/// <see cref="Avx.IsSupported"/>.
/// </summary>
internal static class Transpose8x8
{
    /// <summary>
    /// The 8×8 block at <paramref name="from"/> (row stride <paramref name="fromStride"/>) transposed into
    /// <paramref name="to"/> (row stride <paramref name="toStride"/>). Returns the sum of the eight rows read, for a
    /// caller that checks finiteness on the way (x·0 is NaN only for NaN or ±∞); others ignore it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Block(float* from, int fromStride, float* to, int toStride)
    {
        var r0 = Avx.LoadVector256(from);
        var r1 = Avx.LoadVector256(from + fromStride);
        var r2 = Avx.LoadVector256(from + 2 * fromStride);
        var r3 = Avx.LoadVector256(from + 3 * fromStride);
        var r4 = Avx.LoadVector256(from + 4 * fromStride);
        var r5 = Avx.LoadVector256(from + 5 * fromStride);
        var r6 = Avx.LoadVector256(from + 6 * fromStride);
        var r7 = Avx.LoadVector256(from + 7 * fromStride);
        var rowSum = (r0 + r1) + (r2 + r3) + (r4 + r5) + (r6 + r7);
        InRegisters(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Avx.Store(to, r0);
        Avx.Store(to + toStride, r1);
        Avx.Store(to + 2 * toStride, r2);
        Avx.Store(to + 3 * toStride, r3);
        Avx.Store(to + 4 * toStride, r4);
        Avx.Store(to + 5 * toStride, r5);
        Avx.Store(to + 6 * toStride, r6);
        Avx.Store(to + 7 * toStride, r7);
        return rowSum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InRegisters(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // Interleave pairs of rows, then pairs of pairs: each 128-bit lane ends with one column of four rows.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join the rows 0-3 half of a column with its rows 4-7 half.
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
