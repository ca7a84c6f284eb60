using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// Converts raw little-endian element bytes, as checkpoint files store them, to float32 or int64. The host is
/// assumed little-endian (checked once), so float32 and integer data are reinterpreted rather than decoded.
/// </summary>
internal static class ElementConversion
{
    public static void EnsureLittleEndianHost()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Checkpoint readers need a little-endian machine.");
    }

    /// <summary>Converts <paramref name="source"/> (exactly destination.Length elements of <paramref name="dtype"/>).</summary>
    public static void ToSingle(ReadOnlySpan<byte> source, StoredDType dtype, Span<float> destination)
    {
        EnsureLittleEndianHost();
        if (source.Length != (long)destination.Length * dtype.Size())
            throw new ArgumentException($"{source.Length} bytes of {dtype} do not make {destination.Length} elements.");
        switch (dtype)
        {
            case StoredDType.F32: MemoryMarshal.Cast<byte, float>(source).CopyTo(destination); break;
            case StoredDType.F16: TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination); break;
            case StoredDType.BF16: BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(source), destination); break;
            case StoredDType.F64: Narrow(MemoryMarshal.Cast<byte, double>(source), destination); break;
            case StoredDType.I64: Widen(MemoryMarshal.Cast<byte, long>(source), destination); break;
            case StoredDType.I32: Widen(MemoryMarshal.Cast<byte, int>(source), destination); break;
            case StoredDType.I16: Widen(MemoryMarshal.Cast<byte, short>(source), destination); break;
            case StoredDType.I8: Widen(MemoryMarshal.Cast<byte, sbyte>(source), destination); break;
            case StoredDType.U8: Widen(source, destination); break;
            case StoredDType.Bool: for (int i = 0; i < source.Length; i++) destination[i] = source[i] != 0 ? 1f : 0f; break;
            default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    /// <summary>Widens integer (or bool) elements to int64; false for floating-point types.</summary>
    public static bool TryToInt64(ReadOnlySpan<byte> source, StoredDType dtype, Span<long> destination)
    {
        EnsureLittleEndianHost();
        if (source.Length != (long)destination.Length * dtype.Size())
            throw new ArgumentException($"{source.Length} bytes of {dtype} do not make {destination.Length} elements.");
        switch (dtype)
        {
            case StoredDType.I64: MemoryMarshal.Cast<byte, long>(source).CopyTo(destination); return true;
            case StoredDType.I32: Widen(MemoryMarshal.Cast<byte, int>(source), destination); return true;
            case StoredDType.I16: Widen(MemoryMarshal.Cast<byte, short>(source), destination); return true;
            case StoredDType.I8: Widen(MemoryMarshal.Cast<byte, sbyte>(source), destination); return true;
            case StoredDType.U8: Widen(source, destination); return true;
            case StoredDType.Bool: for (int i = 0; i < source.Length; i++) destination[i] = source[i] != 0 ? 1 : 0; return true;
            default: return false;
        }
    }

    /// <summary>bfloat16 is the top half of a float32: widen each 16-bit pattern and shift it into place.</summary>
    public static void BFloat16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int n = source.Length, i = 0;
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                Vector256.ShiftLeft(lower, 16).AsSingle().StoreUnsafe(ref dst, (nuint)i);
                Vector256.ShiftLeft(upper, 16).AsSingle().StoreUnsafe(ref dst, (nuint)(i + Vector256<uint>.Count));
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
                Vector128.ShiftLeft(lower, 16).AsSingle().StoreUnsafe(ref dst, (nuint)i);
                Vector128.ShiftLeft(upper, 16).AsSingle().StoreUnsafe(ref dst, (nuint)(i + Vector128<uint>.Count));
            }
        }
        for (; i < n; i++) Unsafe.Add(ref dst, i) = BitConverter.Int32BitsToSingle(Unsafe.Add(ref src, i) << 16);
    }

    private static void Narrow(ReadOnlySpan<double> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = (float)source[i];
    }

    private static void Widen<T>(ReadOnlySpan<T> source, Span<float> destination) where T : struct, System.Numerics.INumberBase<T>
    {
        for (int i = 0; i < source.Length; i++) destination[i] = float.CreateTruncating(source[i]);
    }

    private static void Widen<T>(ReadOnlySpan<T> source, Span<long> destination) where T : struct, System.Numerics.INumberBase<T>
    {
        for (int i = 0; i < source.Length; i++) destination[i] = long.CreateTruncating(source[i]);
    }
}
