namespace SparseCircuits.Tensors;

/// <summary>Small helpers for shapes given as int arrays.</summary>
public static class Shapes
{
    public static long Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape {Format(shape)}.");
            n *= d;
        }
        return n;
    }

    public static int CountChecked(ReadOnlySpan<int> shape)
    {
        long n = Count(shape);
        if (n > Array.MaxLength) throw new ArgumentException($"Shape {Format(shape)} has {n} elements, more than one buffer can hold.");
        return (int)n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static int Axis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} out of range for rank {rank}.");
        return a;
    }

    /// <summary>Fills in a single -1 so that the shape has <paramref name="length"/> elements.</summary>
    public static int[] Resolve(ReadOnlySpan<int> shape, int length)
    {
        var s = shape.ToArray();
        int unknown = Array.IndexOf(s, -1);
        long known = 1;
        for (int i = 0; i < s.Length; i++) if (i != unknown) known *= s[i];
        if (unknown >= 0)
        {
            if (known == 0 || length % known != 0) throw new ArgumentException($"Cannot view {length} elements as {Format(shape)}.");
            s[unknown] = (int)(length / known);
        }
        else if (known != length) throw new ArgumentException($"Cannot view {length} elements as {Format(shape)}.");
        return s;
    }

    public static int Offset(ReadOnlySpan<int> shape, ReadOnlySpan<int> index)
    {
        if (index.Length != shape.Length) throw new ArgumentException($"Index of rank {index.Length} for shape {Format(shape)}.");
        int off = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            if ((uint)index[i] >= (uint)shape[i]) throw new IndexOutOfRangeException($"Index {index[i]} out of range for dimension {i} of {Format(shape)}.");
            off = off * shape[i] + index[i];
        }
        return off;
    }

    /// <summary>A shape with <paramref name="k"/> prepended (the layout of batched-seed gradients).</summary>
    public static int[] Prepend(int k, ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length + 1];
        s[0] = k;
        shape.CopyTo(s.AsSpan(1));
        return s;
    }
}
