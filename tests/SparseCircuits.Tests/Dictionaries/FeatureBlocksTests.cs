using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>
/// The blocked sparse products equal float64 sums computed entry by entry, for weights held as rows and as a lazy
/// transpose of a stored [d, F] matrix (read tile by tile), with F and d that are not multiples of the block or vector
/// widths, empty pattern rows and 0–6 vectors per row.
/// </summary>
public class FeatureBlocksTests
{
    public static TheoryData<int, int, bool> Shapes() => new()
    {
        { 1000, 32, false },
        { 1000, 32, true },
        { 777, 20, false },
        { 777, 20, true },
        { 300, 48, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void DotsEqualFloat64DotProducts(int f, int d, bool storedAsColumns)
    {
        var rng = new Random(f + d);
        var (w, rows) = Weights(rng, f, d, storedAsColumns);
        var (start, indices) = Pattern(rng, 9, f);
        var vectorStart = new int[10];
        for (int r = 0; r < 9; r++) vectorStart[r + 1] = vectorStart[r] + r % 7;
        var vectors = Tensor.RandomNormal(rng, 1f, vectorStart[9], d).ToArray();
        var outputStart = new int[10];
        for (int r = 0; r < 9; r++) outputStart[r + 1] = outputStart[r] + (start[r + 1] - start[r]) * (vectorStart[r + 1] - vectorStart[r]);
        var output = new float[outputStart[9]];

        FeatureBlocks.Dots(w, start, indices, vectorStart, vectors, outputStart, output);

        Assert.False(LazyTranspose.IsMaterialized(w)); // read from the stored layout, no copy made
        for (int r = 0; r < 9; r++)
        {
            int m = start[r + 1] - start[r];
            for (int c = 0; c < vectorStart[r + 1] - vectorStart[r]; c++)
                for (int t = 0; t < m; t++)
                {
                    int j = indices[start[r] + t];
                    double want = 0, scale = 0;
                    for (int i = 0; i < d; i++)
                    {
                        double term = (double)rows[j * d + i] * vectors[(vectorStart[r] + c) * d + i];
                        want += term;
                        scale += Math.Abs(term);
                    }
                    Assert.True(Math.Abs(output[outputStart[r] + c * m + t] - want) <= 1e-6 * scale + 1e-9, $"row {r} vector {c} entry {t}");
                }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CombineEqualsFloat64Sums(int f, int d, bool storedAsColumns)
    {
        var rng = new Random(3 * f + d);
        var (w, rows) = Weights(rng, f, d, storedAsColumns);
        var (start, indices) = Pattern(rng, 7, f);
        var values = Tensor.RandomNormal(rng, 1f, indices.Length).ToArray();
        var y = Tensor.RandomNormal(rng, 1f, 7, d).ToArray();
        var before = (float[])y.Clone();

        FeatureBlocks.Combine(w, start, indices, values, y);

        for (int r = 0; r < 7; r++)
            for (int i = 0; i < d; i++)
            {
                double want = before[r * d + i], scale = Math.Abs(want);
                for (int e = start[r]; e < start[r + 1]; e++)
                {
                    double term = (double)values[e] * rows[indices[e] * d + i];
                    want += term;
                    scale += Math.Abs(term);
                }
                Assert.True(Math.Abs(y[r * d + i] - want) <= 1e-6 * scale + 1e-9, $"row {r} coordinate {i}");
            }
    }

    /// <summary>W [F, d] as a tensor of its rows, or as the lazy transpose of a stored [d, F] copy; and its rows.</summary>
    private static (Tensor W, float[] Rows) Weights(Random rng, int f, int d, bool storedAsColumns)
    {
        var rows = Tensor.RandomNormal(rng, 1f, f, d);
        if (!storedAsColumns) return (rows, rows.ToArray());
        var columns = BlockedTranspose.Transpose(rows);
        return (LazyTranspose.Of(columns), rows.ToArray());
    }

    /// <summary>Sorted random features per row (row 1 empty; others up to a third of F), as CSR.</summary>
    private static (int[] Start, int[] Indices) Pattern(Random rng, int rows, int f)
    {
        var start = new int[rows + 1];
        var indices = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            if (r != 1) indices.AddRange(Enumerable.Range(0, f).Where(_ => rng.NextDouble() < 0.3 / (1 + r % 3)));
            start[r + 1] = indices.Count;
        }
        return (start, indices.ToArray());
    }
}
