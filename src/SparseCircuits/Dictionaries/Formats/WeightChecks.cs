using System.Numerics.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>Checks on tensors read from dictionary files; each failure is one <see cref="SfcInputException"/> naming the
/// file and the tensor.</summary>
internal static class WeightChecks
{
    private const int Chunk = 1 << 20;

    public static void RequireShape(string path, StoredTensorInfo info, int[] expected, string why)
    {
        if (!info.Shape.SequenceEqual(expected))
            throw SfcInputException.ForFile(path, $"tensor '{info.Name}' has shape {Shapes.Format(info.Shape)}, expected {Shapes.Format(expected)} ({why})");
    }

    /// <summary>Fails on the first NaN or infinity (a diverged or corrupt dictionary), scanning chunks on every core.</summary>
    public static void RequireFinite(string path, string name, Tensor t)
    {
        var storage = t.Storage;
        int chunks = (int)((storage.Length + (long)Chunk - 1) / Chunk);
        var bad = new bool[chunks];
        Parallelism.For(chunks, Chunk, c =>
        {
            int start = c * Chunk, count = Math.Min(Chunk, storage.Length - start);
            // MaxMagnitude propagates NaN, and is infinite when any element is.
            bad[c] = !float.IsFinite(TensorPrimitives.MaxMagnitude(storage.Span.Slice(start, count)));
        });
        int first = Array.IndexOf(bad, true);
        if (first < 0) return;
        var s = storage.Span;
        for (int i = first * Chunk; i < s.Length; i++)
        {
            if (float.IsFinite(s[i])) continue;
            throw SfcInputException.ForFile(path, $"tensor '{name}' {Shapes.Format(t.Shape)} holds {(float.IsNaN(s[i]) ? "NaN" : s[i] > 0 ? "+inf" : "-inf")} at {Position(t.Shape, i)}: the weights are not finite");
        }
    }

    private static string Position(ReadOnlySpan<int> shape, int flat)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return "[" + string.Join(", ", index) + "]";
    }
}
