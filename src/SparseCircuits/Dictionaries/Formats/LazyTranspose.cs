using System.Buffers;
using System.Runtime.InteropServices;
using SparseCircuits.Diagnostics;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>
/// The transpose of a matrix, made on first access instead of up front. dictionary_learning stores decoders [d, F] while
/// row-wise kernels want [F, d]; transposing 19 such matrices at load time would copy gigabytes that a run may never
/// read row by row (dense products can use the stored layout directly: <see cref="SourceOf"/>). The tensor behaves like
/// any other; the copy is made, once, by whichever kernel first reads its elements, and <see cref="Release"/> drops it
/// again (it is remade on the next read).
/// </summary>
public static class LazyTranspose
{
    /// <summary>A [cols, rows] tensor whose elements are <paramref name="matrix"/>ᵀ, transposed when first read.</summary>
    public static Tensor Of(Tensor matrix)
    {
        if (matrix.Rank != 2) throw new ArgumentException($"LazyTranspose needs a matrix; got {matrix}.");
        var manager = new TransposedMemory(matrix);
        return new Tensor(manager.Memory, matrix.Dim(1), matrix.Dim(0));
    }

    /// <summary>The matrix <paramref name="t"/> is the lazy transpose of (so t = sourceᵀ), or null when it is not one.</summary>
    public static Tensor? SourceOf(Tensor t) =>
        MemoryMarshal.TryGetMemoryManager<float, TransposedMemory>(t.Storage, out var manager, out int start, out int length)
        && start == 0 && length == t.Length ? manager.Source : null;

    /// <summary>True when <paramref name="t"/> is a lazy transpose whose copy exists now.</summary>
    public static bool IsMaterialized(Tensor t) =>
        MemoryMarshal.TryGetMemoryManager<float, TransposedMemory>(t.Storage, out var manager) && manager.IsMaterialized;

    /// <summary>Drops the copy of a lazy transpose (a kernel still reading it keeps its own reference alive); returns
    /// false when <paramref name="t"/> is not one.</summary>
    public static bool Release(Tensor t)
    {
        if (!MemoryMarshal.TryGetMemoryManager<float, TransposedMemory>(t.Storage, out var manager)) return false;
        manager.Release();
        return true;
    }

    private sealed class TransposedMemory(Tensor source) : MemoryManager<float>
    {
        private readonly object gate = new();
        private float[]? transposed;

        public Tensor Source { get; } = source;

        public bool IsMaterialized => Volatile.Read(ref transposed) is not null;

        public override Memory<float> Memory => CreateMemory(Source.Length); // no GetSpan(): that would transpose

        public override Span<float> GetSpan() => Materialize();

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            var array = Materialize();
            if ((uint)elementIndex > (uint)array.Length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            unsafe
            {
                return new MemoryHandle((float*)handle.AddrOfPinnedObject() + elementIndex, handle);
            }
        }

        public override void Unpin() { }

        public void Release() => Volatile.Write(ref transposed, null);

        protected override void Dispose(bool disposing) => Release();

        private float[] Materialize()
        {
            var t = Volatile.Read(ref transposed);
            if (t is not null) return t;
            lock (gate)
            {
                t = transposed;
                if (t is not null) return t;
                using var timing = PhaseTimes.Measure("decoder transposes (lazy)");
                var copy = BlockedTranspose.Transpose(Source);
                ResidentMemory.Release(Source); // the rows now serve every read; the stored pages can go
                t = MemoryMarshal.TryGetArray<float>(copy.Storage, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                    ? segment.Array
                    : copy.Span.ToArray();
                Volatile.Write(ref transposed, t);
                return t;
            }
        }
    }
}
