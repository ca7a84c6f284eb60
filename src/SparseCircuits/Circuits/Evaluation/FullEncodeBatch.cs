using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// The rows of one site's activation, over every run stacked in a forward pass, that need all their features: they are
/// collected first and encoded together, once per distinct row, so the encoder product is one tall GEMM rather than
/// one thin GEMM per run.
/// </summary>
internal sealed class FullEncodeBatch
{
    private readonly IFeatureDictionary dictionary;
    private readonly Tensor x;
    private readonly List<int> rows = new();
    private SparseCodes? codes;
    private int[]? codeRow;

    /// <param name="x">The stacked activation [R, S, d] the rows index.</param>
    public FullEncodeBatch(IFeatureDictionary dictionary, Tensor x)
    {
        this.dictionary = dictionary;
        this.x = x;
    }

    /// <summary>Asks for row <paramref name="row"/> of x; returns the ticket to read its features with.</summary>
    public int Add(int row)
    {
        if (codes is not null) throw new InvalidOperationException("The batch was already encoded.");
        rows.Add(row);
        return rows.Count - 1;
    }

    public void Encode(RunCounters counters)
    {
        if (rows.Count == 0) return;
        (codes, codeRow) = DistinctRows.Encode(dictionary, x.Span, x.Columns, rows);
        counters.FullyEncodedRows += codes.Rows;
        counters.DuplicateRows += rows.Count - codes.Rows;
    }

    /// <summary>Where the features of the row behind <paramref name="ticket"/> are.</summary>
    public (SparseCodes Codes, int Row) this[int ticket] =>
        codes is null ? throw new InvalidOperationException("The batch has not been encoded yet.") : (codes, codeRow![ticket]);
}
