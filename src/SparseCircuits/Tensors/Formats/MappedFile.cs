using System.IO.MemoryMappedFiles;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// A whole file mapped copy-on-write: writes through a mapped tensor change private pages, never the file, and
/// never fault.
/// <para>Lifetime: disposing unmaps the file unless a zero-copy tensor was handed out from it. Such a mapping is
/// kept for the life of the process, on purpose: a <see cref="Span{T}"/> over mapped memory can outlive every
/// managed reference to its tensor, so unmapping when tensors are collected (a finalizer) could fault a running
/// kernel. The pages are file-backed and clean, so the OS reclaims them under pressure; only address space stays
/// reserved. There are therefore no finalizers here.</para>
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private int handedOut;
    private int disposed;

    private MappedFile(MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer, long length)
    {
        this.map = map;
        this.view = view;
        Pointer = pointer;
        Length = length;
    }

    /// <summary>Maps a file of <paramref name="length"/> bytes (> 0: empty files cannot be mapped).</summary>
    public static MappedFile Open(string path, long length)
    {
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.CopyOnWrite);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.CopyOnWrite);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            return new MappedFile(map, view, p + view.PointerOffset, length);
        }
        catch
        {
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public byte* Pointer { get; }

    public long Length { get; }

    /// <summary>Bytes of the file, for reading during a call (not to be kept).</summary>
    public ReadOnlySpan<byte> Bytes(long offset, int count)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (offset < 0 || count < 0 || offset + count > Length) throw new ArgumentOutOfRangeException(nameof(offset));
        return new ReadOnlySpan<byte>(Pointer + offset, count);
    }

    /// <summary>float32 elements of the file as memory a tensor can own; pins the mapping for the process.</summary>
    public Memory<float> Floats(long byteOffset, int count)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (byteOffset < 0 || count < 0 || byteOffset + (long)count * sizeof(float) > Length)
            throw new ArgumentOutOfRangeException(nameof(byteOffset));
        Volatile.Write(ref handedOut, 1);
        return new MappedFloatMemory(this, (float*)(Pointer + byteOffset), count).Memory;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0 || Volatile.Read(ref handedOut) != 0) return;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }
}
