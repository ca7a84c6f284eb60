using System.Buffers;
using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors;

/// <summary>
/// A tensor whose elements are computed when first read: for values a record must offer but most uses never read (a
/// site's dictionary error, which the attribution formulas get without decoding; DESIGN §7). Shape and length are known
/// up front; the first access to the storage (span, pin) runs the computation once.
/// </summary>
public static class LazyTensor
{
    /// <summary>A tensor of <paramref name="shape"/> holding <paramref name="compute"/>'s result (same length), made on
    /// first read.</summary>
    public static Tensor Of(int[] shape, Func<Tensor> compute)
    {
        var manager = new Deferred(Shapes.CountChecked(shape), compute);
        return new Tensor(manager.Memory, shape);
    }

    /// <summary>True when <paramref name="t"/> is a lazy tensor not computed yet.</summary>
    public static bool IsPending(Tensor t) =>
        MemoryMarshal.TryGetMemoryManager<float, Deferred>(t.Storage, out var manager) && !manager.IsComputed;

    private sealed class Deferred(int length, Func<Tensor> compute) : MemoryManager<float>
    {
        private readonly Lazy<Memory<float>> values = new(() =>
        {
            var t = compute();
            if (t.Length != length) throw new InvalidOperationException($"A lazy tensor of {length} elements was computed as {t}.");
            return t.Storage;
        });

        public bool IsComputed => values.IsValueCreated;

        public override Memory<float> Memory => CreateMemory(length); // no GetSpan(): that would compute

        public override Span<float> GetSpan() => values.Value.Span;

        public override MemoryHandle Pin(int elementIndex = 0) => values.Value.Slice(elementIndex).Pin();

        public override void Unpin() { }

        protected override void Dispose(bool disposing) { }
    }
}
