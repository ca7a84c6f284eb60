using System.Numerics;
using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Ops;

/// <summary>A float64 function applied to float32 data, for kernels (erf, GELU) whose float32 result is only accurate
/// when the intermediate steps are not.</summary>
internal interface IFloat64Function
{
    static abstract Vector<double> Apply(Vector<double> x);
}

/// <summary>Maps float32 spans through an <see cref="IFloat64Function"/>: widen, apply, narrow, vector by vector.</summary>
internal static class Float64Lanes
{
    public static void Map<F>(ReadOnlySpan<float> x, Span<float> result) where F : IFloat64Function
    {
        if (result.Length != x.Length) throw new ArgumentException($"Output has {result.Length} elements for {x.Length} inputs.");
        int width = Vector<float>.Count, i = 0;
        ref float src = ref MemoryMarshal.GetReference(x);
        ref float dst = ref MemoryMarshal.GetReference(result);
        for (; i <= x.Length - width; i += width)
        {
            Vector.Widen(Vector.LoadUnsafe(ref src, (nuint)i), out var lo, out var hi);
            Vector.Narrow(F.Apply(lo), F.Apply(hi)).StoreUnsafe(ref dst, (nuint)i);
        }
        for (; i < x.Length; i++) result[i] = Apply1<F>(x[i]);
    }

    public static float Apply1<F>(float x) where F : IFloat64Function => (float)F.Apply(new Vector<double>(x))[0];
}
