using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// A mixing buffer of (input, target) row pairs: rows go in in data order and come out sampled uniformly without
/// replacement from everything buffered, so that consecutive batches do not come from the same few contexts. The
/// caller refills it whenever it is at most half full. Single-threaded with its own seeded generator, so the order is
/// the same on every run.
/// </summary>
public sealed class ShuffleBuffer
{
    private readonly float[] inputs;
    private readonly float[]? targets;
    private readonly Random rng;

    public ShuffleBuffer(int capacity, int inputDim, int outputDim, bool separateTargets, int seed)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        InputDim = inputDim;
        OutputDim = outputDim;
        inputs = new float[(long)capacity * inputDim];
        targets = separateTargets ? new float[(long)capacity * outputDim] : null;
        rng = new Random(seed);
    }

    public int Capacity { get; }

    public int InputDim { get; }

    public int OutputDim { get; }

    /// <summary>Rows held now.</summary>
    public int Count { get; private set; }

    public int Free => Capacity - Count;

    /// <summary>Appends <paramref name="rows"/> rows (target rows only when the buffer keeps separate targets).</summary>
    public void Add(ReadOnlySpan<float> inputRows, ReadOnlySpan<float> targetRows, int rows)
    {
        if (rows > Free) throw new InvalidOperationException($"Buffer has room for {Free} rows, not {rows}.");
        inputRows[..(rows * InputDim)].CopyTo(inputs.AsSpan(Count * InputDim));
        if (targets is not null) targetRows[..(rows * OutputDim)].CopyTo(targets.AsSpan(Count * OutputDim));
        Count += rows;
    }

    /// <summary>Removes <paramref name="rows"/> rows chosen uniformly at random.</summary>
    public ActivationBatch Take(int rows)
    {
        if (rows > Count) throw new InvalidOperationException($"Buffer holds {Count} rows, not {rows}.");
        var input = Tensor.Empty(rows, InputDim);
        var target = targets is null ? input : Tensor.Empty(rows, OutputDim);
        var xi = input.Span;
        var xt = target.Span;
        for (int r = 0; r < rows; r++)
        {
            int j = rng.Next(Count);
            int last = Count - 1;
            Move(inputs, InputDim, j, last, xi.Slice(r * InputDim, InputDim));
            if (targets is not null) Move(targets, OutputDim, j, last, xt.Slice(r * OutputDim, OutputDim));
            Count--;
        }
        return new ActivationBatch(input, target);
    }

    /// <summary>Copies row j out, then fills its slot with the last row.</summary>
    private static void Move(float[] store, int dim, int j, int last, Span<float> destination)
    {
        store.AsSpan(j * dim, dim).CopyTo(destination);
        if (j != last) store.AsSpan(last * dim, dim).CopyTo(store.AsSpan(j * dim, dim));
    }
}
