using System.Buffers;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// float32 elements that live in a <see cref="MappedFile"/>: the storage of a zero-copy tensor. The mapping is never
/// released while the process runs once memory like this has been handed out (see <see cref="MappedFile"/>), so
/// there is nothing to free here; the reference to the file only documents the ownership. The memory never moves,
/// so pinning is free.
/// </summary>
internal sealed unsafe class MappedFloatMemory(MappedFile file, float* pointer, int length) : MemoryManager<float>
{
    public MappedFile File { get; } = file;

    public override Span<float> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(pointer + elementIndex);
    }

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
