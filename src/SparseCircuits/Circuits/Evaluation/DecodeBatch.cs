using SparseCircuits.Dictionaries;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// The decoder sums Σ c_j·W_dec[j] that the edited rows of one site still need, over every run stacked in a forward
/// pass: collected row by row, then added in one <see cref="SparseRowSums.Add"/> so that decoder rows are shared
/// across runs.
/// </summary>
internal sealed class DecodeBatch
{
    private readonly IFeatureDictionary dictionary;
    private readonly List<int> outRows = new();
    private readonly List<int> entryStart = [0];
    private int[] features = new int[1024];
    private float[] coefficients = new float[1024];

    public DecodeBatch(IFeatureDictionary dictionary) => this.dictionary = dictionary;

    /// <summary>Room for the sum of output row <paramref name="outRow"/>: at most <paramref name="capacity"/> entries
    /// (feature, coefficient) to fill; <see cref="Commit"/> says how many were used.</summary>
    public void Reserve(int outRow, int capacity, out Span<int> rowFeatures, out Span<float> rowCoefficients)
    {
        int at = entryStart[^1];
        if (features.Length < at + capacity)
        {
            int size = Math.Max(features.Length * 2, at + capacity);
            Array.Resize(ref features, size);
            Array.Resize(ref coefficients, size);
        }
        outRows.Add(outRow);
        rowFeatures = features.AsSpan(at, capacity);
        rowCoefficients = coefficients.AsSpan(at, capacity);
    }

    /// <summary>Ends the row opened by the last <see cref="Reserve"/> with <paramref name="used"/> entries.</summary>
    public void Commit(int used) => entryStart.Add(entryStart[^1] + used);

    /// <summary>Adds every collected sum into <paramref name="output"/> [rows, d].</summary>
    public void Apply(Tensors.Tensor output) =>
        SparseRowSums.Add(output.Storage, output.Columns, dictionary.DecoderWeight.Storage, dictionary.Width,
            outRows.ToArray(), entryStart.ToArray(), features, coefficients);
}
