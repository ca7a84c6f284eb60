using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Models;

/// <summary>
/// A batch of <see cref="Sequences"/> × <see cref="Length"/> token rows in which some rows are known to be equal all
/// the way up the model, carried as its <see cref="Unique"/> distinct rows [U, d]. Integrated gradients runs N copies
/// of each example that differ only from the first position where the clean and patch runs differ: before it, causal
/// attention keeps every copy's rows identical in every layer, so row-wise work (norms, projections, MLPs) is done once
/// per distinct row and only attention sees the full [R, S] layout (<see cref="Expand"/> before it,
/// <see cref="Compress"/> after). Exact: a shared row feeds each copy's attention the same value, and its gradient is
/// the sum of the copies' gradients (the gather's backward), which is what a per-copy sum needs.
/// </summary>
public sealed class RowSharing
{
    private readonly int[] uniqueOf;
    private readonly int[] representatives;
    private readonly int[] lastRows;

    private RowSharing(int sequences, int length, int[] uniqueOf, int[] representatives)
    {
        Sequences = sequences;
        Length = length;
        this.uniqueOf = uniqueOf;
        this.representatives = representatives;
        lastRows = Enumerable.Range(0, sequences).Select(r => uniqueOf[r * length + length - 1]).ToArray();
    }

    /// <summary>Sequences R in the full layout.</summary>
    public int Sequences { get; }

    /// <summary>Positions S per sequence.</summary>
    public int Length { get; }

    /// <summary>Distinct rows U.</summary>
    public int Unique => representatives.Length;

    /// <summary>
    /// <paramref name="copies"/> stacked copies of a batch of <paramref name="batch"/> sequences (copy c of sequence b is
    /// sequence c·batch + b) whose first <paramref name="sharedPrefix"/>[b] positions are equal in every copy.
    /// </summary>
    public static RowSharing SharedPrefixes(int copies, int batch, int length, IReadOnlyList<int> sharedPrefix)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        if (sharedPrefix.Count != batch) throw new ArgumentException($"{sharedPrefix.Count} prefix lengths for a batch of {batch}.");
        var uniqueOf = new int[copies * batch * length];
        var representatives = new List<int>(uniqueOf.Length);
        for (int c = 0; c < copies; c++)
        for (int b = 0; b < batch; b++)
        for (int p = 0; p < length; p++)
        {
            int row = (c * batch + b) * length + p;
            if (c > 0 && p < Math.Min(sharedPrefix[b], length))
            {
                uniqueOf[row] = uniqueOf[(b * length) + p]; // copy 0's row
                continue;
            }
            uniqueOf[row] = representatives.Count;
            representatives.Add(row);
        }
        return new RowSharing(copies * batch, length, uniqueOf, representatives.ToArray());
    }

    /// <summary>Full-layout rows [R, S, ...] (or [R·S, ...]) → the distinct rows [U, ...] (differentiable).</summary>
    public Tensor Compress(Tensor full)
    {
        bool flat = full.Rank >= 1 && full.Dim(0) == Sequences * Length;
        bool layered = full.Rank >= 2 && full.Dim(0) == Sequences && full.Dim(1) == Length;
        if (!flat && !layered) throw new ArgumentException($"{full} is not a batch of {Sequences} × {Length} rows.");
        return Indexing.GatherRows(flat ? full : Flat(full), representatives);
    }

    /// <summary>The distinct rows [U, w] → every row of the full layout, [R·S, w] (differentiable).</summary>
    public Tensor Expand(Tensor unique)
    {
        if (unique.Dim(0) != Unique) throw new ArgumentException($"{unique} does not have the {Unique} distinct rows.");
        return Indexing.GatherRows(unique, uniqueOf);
    }

    /// <summary>The distinct rows [U, d] → each sequence's last position, [R, 1, d] (differentiable).</summary>
    public Tensor LastRows(Tensor unique)
    {
        if (unique.Dim(0) != Unique) throw new ArgumentException($"{unique} does not have the {Unique} distinct rows.");
        var rows = Indexing.GatherRows(unique, lastRows);
        return Shaping.Reshape(rows, Sequences, 1, unique.Length / Math.Max(1, Unique));
    }

    /// <summary>[R·S, ...] view of a full-layout tensor whose leading dimensions are R and S.</summary>
    private static Tensor Flat(Tensor full)
    {
        var shape = full.Shape[1..].ToArray();
        shape[0] = full.Dim(0) * full.Dim(1);
        return Shaping.Reshape(full, shape);
    }
}
