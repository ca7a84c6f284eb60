using System.Runtime.CompilerServices;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors;

/// <summary>
/// A float32 tensor: a shape over contiguous row-major storage. Views along leading dimensions and reshapes share
/// storage; anything that would need strides (transpose, permute) makes an explicit copy, so every kernel can assume
/// dense rows. Storage is a <see cref="Memory{T}"/>, so it may be a managed array or native (e.g. memory-mapped) memory.
/// </summary>
public sealed class Tensor
{
    private readonly int[] shape;

    public Tensor(Memory<float> storage, params int[] shape)
    {
        this.shape = (int[])shape.Clone();
        long n = Shapes.Count(this.shape);
        if (n != storage.Length)
            throw new ArgumentException($"Storage holds {storage.Length} floats but shape {Shapes.Format(this.shape)} needs {n}.");
        Storage = storage;
    }

    /// <summary>The elements, exactly <see cref="Length"/> of them, row-major.</summary>
    public Memory<float> Storage { get; }

    public Span<float> Span => Storage.Span;

    public ReadOnlySpan<int> Shape => shape;

    public int[] ShapeArray => (int[])shape.Clone();

    public int Rank => shape.Length;

    public int Length => Storage.Length;

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => shape[Shapes.Axis(axis, shape.Length)];

    /// <summary>Product of all dimensions but the last: the number of rows when the tensor is seen as a matrix.</summary>
    public int Rows => shape.Length == 0 ? 1 : Length / Math.Max(1, shape[^1]);

    /// <summary>The last dimension (1 for a scalar).</summary>
    public int Columns => shape.Length == 0 ? 1 : shape[^1];

    // ---- autograd bookkeeping (set by the tape) ----

    /// <summary>True when gradients are tracked for this tensor: a leaf marked with <see cref="RequireGrad"/> or the
    /// output of an operation recorded on a tape.</summary>
    public bool RequiresGrad { get; internal set; }

    /// <summary>The recorded operation that produced this tensor (null for leaves and constants).</summary>
    internal Node? Producer { get; set; }

    /// <summary>Marks this tensor as a leaf whose gradient will be computed. Returns the tensor.</summary>
    public Tensor RequireGrad()
    {
        if (Producer is not null)
            throw new InvalidOperationException("RequireGrad applies to leaf tensors; this one is the output of a recorded operation.");
        RequiresGrad = true;
        return this;
    }

    /// <summary>Keep this intermediate tensor's gradient in the result of a backward pass (leaves always keep theirs).</summary>
    public Tensor RetainGrad()
    {
        RetainsGrad = true;
        return this;
    }

    internal bool RetainsGrad { get; private set; }

    /// <summary>A constant view of the same storage: no gradient flows through it (used to freeze attention patterns
    /// and norm scales).</summary>
    public Tensor Detach() => new(Storage, shape);

    // ---- construction ----

    public static Tensor Zeros(params int[] shape) => new(new float[Shapes.CountChecked(shape)], shape);

    /// <summary>Uninitialised storage: callers must write every element.</summary>
    public static Tensor Empty(params int[] shape) =>
        new(GC.AllocateUninitializedArray<float>(Shapes.CountChecked(shape)), shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Empty(shape);
        t.Span.Fill(value);
        return t;
    }

    public static Tensor Scalar(float value) => new(new[] { value });

    public static Tensor FromArray(float[] data, params int[] shape) => new(data, shape);

    public static Tensor FromSpan(ReadOnlySpan<float> data, params int[] shape)
    {
        var t = Empty(shape);
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>Gaussian N(0, std²) entries from a seeded generator (Box–Muller), deterministic for a seed.</summary>
    public static Tensor RandomNormal(Random rng, float std, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            s[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < s.Length) s[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return t;
    }

    public static Tensor RandomUniform(Random rng, float low, float high, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(low + (high - low) * rng.NextDouble());
        return t;
    }

    // ---- views that share storage (not recorded: use the ops in Shaping for differentiable versions) ----

    /// <summary>The same storage seen with another shape; one dimension may be -1.</summary>
    public Tensor View(params int[] newShape) => new(Storage, Shapes.Resolve(newShape, Length));

    /// <summary>Rows <paramref name="start"/>..start+count of dimension 0, sharing storage.</summary>
    public Tensor SliceRows(int start, int count)
    {
        if (shape.Length == 0) throw new InvalidOperationException("Cannot slice a scalar.");
        if ((uint)start > (uint)shape[0] || (uint)count > (uint)(shape[0] - start))
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows {start}..{start + count} outside dimension 0 of size {shape[0]}.");
        int inner = shape[0] == 0 ? 0 : Length / shape[0];
        var s = (int[])shape.Clone();
        s[0] = count;
        return new(Storage.Slice(start * inner, count * inner), s);
    }

    /// <summary>Element <paramref name="index"/> of dimension 0 (rank drops by one), sharing storage.</summary>
    public Tensor Select(int index)
    {
        var row = SliceRows(index, 1);
        return new(row.Storage, shape[1..]);
    }

    /// <summary>A deep copy (constant; no gradient history).</summary>
    public Tensor Clone() => FromSpan(Span, shape);

    public float this[params int[] index]
    {
        get => Span[Shapes.Offset(shape, index)];
        set => Span[Shapes.Offset(shape, index)] = value;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float ToFloat() => Length == 1 ? Span[0] : throw new InvalidOperationException($"ToFloat() needs one element; shape is {Shapes.Format(shape)}.");

    public float[] ToArray() => Span.ToArray();

    public bool SameShape(Tensor other) => Shape.SequenceEqual(other.Shape);

    public override string ToString() => $"Tensor{Shapes.Format(shape)}";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReadOnlySpan<float> Read() => Storage.Span;
}
