using System.Buffers;

namespace SparseCircuits.Tensors;

/// <summary>
/// A float buffer of <c>length</c> rented from the shared array pool for one call or work item (contents undefined);
/// disposing returns it. Hot backward and kernel loops use it instead of allocating temporaries.
/// </summary>
internal readonly struct PooledFloats : IDisposable
{
    private readonly float[] array;
    private readonly int length;

    private PooledFloats(int length)
    {
        this.length = length;
        array = length == 0 ? Array.Empty<float>() : ArrayPool<float>.Shared.Rent(length);
    }

    public static PooledFloats Rent(int length) => new(length);

    public Span<float> Span => array.AsSpan(0, length);

    public void Dispose()
    {
        if (array.Length > 0) ArrayPool<float>.Shared.Return(array);
    }
}
