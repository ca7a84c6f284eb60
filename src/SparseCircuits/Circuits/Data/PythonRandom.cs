using System.Numerics;

namespace SparseCircuits.Circuits.Data;

/// <summary>
/// CPython's <c>random.Random</c>, bit for bit, for what the reference data loading uses: a Mersenne Twister
/// (MT19937) seeded from an integer, <c>getrandbits</c>, <c>_randbelow</c>, <c>shuffle</c> and <c>random()</c>.
/// The reference picks its examples with <c>random.Random(12).shuffle(lines)</c>; reproducing that order needs the
/// same generator and the same way of drawing from it (CPython 3.6 to 3.13 agree on all of it).
/// </summary>
public sealed class PythonRandom
{
    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private const uint MatrixA = 0x9908b0df;
    private const uint UpperMask = 0x80000000;
    private const uint LowerMask = 0x7fffffff;

    private readonly uint[] _state = new uint[StateSize];
    private int _next;

    /// <summary>A generator seeded as <c>random.Random(seed)</c> is.</summary>
    public PythonRandom(BigInteger seed) => Seed(seed);

    /// <summary>
    /// Re-seeds as <c>random.seed(seed)</c> does for an int: the 32-bit words of |seed|, least significant first
    /// (one zero word for 0), go through MT19937's <c>init_by_array</c>.
    /// </summary>
    public void Seed(BigInteger seed)
    {
        byte[] bytes = BigInteger.Abs(seed).ToByteArray(isUnsigned: true, isBigEndian: false);
        var key = new uint[Math.Max(1, (bytes.Length + 3) / 4)];
        for (int i = 0; i < bytes.Length; i++) key[i / 4] |= (uint)bytes[i] << (8 * (i % 4));
        InitByArray(key);
    }

    /// <summary>The next raw 32-bit output of MT19937 (CPython's <c>genrand_uint32</c>).</summary>
    public uint NextUInt32()
    {
        if (_next >= StateSize) Twist();
        uint y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    /// <summary>
    /// <c>getrandbits(k)</c> for 0 ≤ k ≤ 64: up to 32 bits are the top bits of one output; wider values take
    /// 32-bit words least significant first, the last word keeping its top bits.
    /// </summary>
    public ulong GetRandBits(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, 64);
        if (k == 0) return 0;
        if (k <= 32) return NextUInt32() >> (32 - k);
        ulong low = NextUInt32();
        ulong high = NextUInt32() >> (64 - k);
        return low | (high << 32);
    }

    /// <summary>
    /// <c>_randbelow(n)</c>: a uniform integer in [0, n) by rejection, drawing n.bit_length() bits at a time
    /// (one bit more than needed when n is a power of two, as CPython does).
    /// </summary>
    public long RandBelow(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int bits = 64 - BitOperations.LeadingZeroCount((ulong)n);
        ulong r;
        do r = GetRandBits(bits); while (r >= (ulong)n);
        return (long)r;
    }

    /// <summary><c>random()</c>: a double in [0, 1) from 53 random bits (27 + 26 of two outputs).</summary>
    public double Random()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>shuffle(x)</c>: Fisher–Yates from the end, swapping item i with item <c>_randbelow(i + 1)</c>.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = (int)RandBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private void InitGenrand(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < StateSize; i++)
            _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        _next = StateSize;
    }

    private void InitByArray(uint[] key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(StateSize, key.Length); k > 0; k--)
        {
            _state[i] = (_state[i] ^ ((_state[i - 1] ^ (_state[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++;
            j++;
            if (i >= StateSize) { _state[0] = _state[StateSize - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = StateSize - 1; k > 0; k--)
        {
            _state[i] = (_state[i] ^ ((_state[i - 1] ^ (_state[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= StateSize) { _state[0] = _state[StateSize - 1]; i = 1; }
        }
        _state[0] = 0x80000000u; // a non-zero initial state is assured
    }

    private void Twist()
    {
        for (int k = 0; k < StateSize; k++)
        {
            uint y = (_state[k] & UpperMask) | (_state[(k + 1) % StateSize] & LowerMask);
            _state[k] = _state[(k + ShiftSize) % StateSize] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : MatrixA);
        }
        _next = 0;
    }
}
