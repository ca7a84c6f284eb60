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
    private readonly List<int> features = new();
    private readonly List<float> coefficients = new();

    public DecodeBatch(IFeatureDictionary dictionary) => this.dictionary = dictionary;

    /// <summary>Adds Σ_k c_k·W[j_k] to output row <paramref name="outRow"/> (when <see cref="Apply"/> runs).</summary>
    public void Add(int outRow, ReadOnlySpan<int> featureIndices, ReadOnlySpan<float> featureCoefficients)
    {
        outRows.Add(outRow);
        foreach (int j in featureIndices) features.Add(j);
        foreach (float c in featureCoefficients) coefficients.Add(c);
        entryStart.Add(features.Count);
    }

    /// <summary>Adds every collected sum into <paramref name="output"/> [rows, d].</summary>
    public void Apply(Tensors.Tensor output) =>
        SparseRowSums.Add(output.Storage, output.Columns, dictionary.DecoderWeight.Storage, dictionary.Width,
            outRows.ToArray(), entryStart.ToArray(), features.ToArray(), coefficients.ToArray());
}
