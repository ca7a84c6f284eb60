using System.Runtime.InteropServices;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Tests.Formats;

public class ElementConversionTests
{
    /// <summary>Many patterns, so that the vectorised loops and the scalar tail both run, including infinities,
    /// NaNs and subnormals; each compared with the type's definition computed one element at a time.</summary>
    private static ushort[] Patterns()
    {
        var rng = new Random(5);
        var bits = new ushort[203];
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)rng.Next(0, 65536);
        ushort[] special = [0x0000, 0x8000, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x7E00, 0x7F80, 0xFF80, 0x7FC0, 0x3C00, 0x3F80];
        special.CopyTo(bits, 0);
        return bits;
    }

    [Fact]
    public void BFloat16IsTheUpperHalfOfAFloat32()
    {
        var bits = Patterns();
        var converted = new float[bits.Length];
        ElementConversion.BFloat16ToSingle(bits, converted);
        for (int i = 0; i < bits.Length; i++)
            Assert.Equal(BitConverter.Int32BitsToSingle(bits[i] << 16), converted[i]);
        Assert.Equal(1f, converted[Array.IndexOf(bits, (ushort)0x3F80)]);
    }

    [Fact]
    public void Float16MatchesSystemHalf()
    {
        var bits = Patterns();
        var converted = new float[bits.Length];
        ElementConversion.ToSingle(MemoryMarshal.AsBytes(bits.AsSpan()), StoredDType.F16, converted);
        for (int i = 0; i < bits.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(converted[i]));
            else Assert.Equal(expected, converted[i]);
        }
    }

    [Fact]
    public void IntegersWidenAndBoolsBecomeZeroOrOne()
    {
        var longs = new long[4];
        Assert.True(ElementConversion.TryToInt64([0xFF, 0x7F, 0x80, 0x00], StoredDType.I8, longs));
        Assert.Equal([-1L, 127L, -128L, 0L], longs);
        Assert.True(ElementConversion.TryToInt64([0xFF, 0x7F, 0x80, 0x00], StoredDType.U8, longs));
        Assert.Equal([255L, 127L, 128L, 0L], longs);
        Assert.True(ElementConversion.TryToInt64([1, 0, 2, 0], StoredDType.Bool, longs));
        Assert.Equal([1L, 0L, 1L, 0L], longs);
        Assert.False(ElementConversion.TryToInt64(new byte[16], StoredDType.F32, longs));
        var floats = new float[2];
        ElementConversion.ToSingle([0x00, 0x80, 0xFF, 0x7F], StoredDType.I16, floats);
        Assert.Equal([short.MinValue, short.MaxValue], floats);
    }
}
