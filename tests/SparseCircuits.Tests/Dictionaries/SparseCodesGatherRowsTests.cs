using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary><see cref="SparseCodes.GatherRows"/> copies the named rows, repeated and in any order, including empty
/// rows: each gathered row equals that row of the dense matrix the codes were made from.</summary>
public sealed class SparseCodesGatherRowsTests
{
    [Fact]
    public void GatheredRowsEqualTheNamedRowsOfTheDenseMatrix()
    {
        var rng = new Random(2);
        int rows = 5, width = 9;
        var dense = new float[rows * width];
        for (int i = 0; i < dense.Length; i++) dense[i] = rng.NextDouble() < 0.3 ? (float)rng.NextDouble() + 0.1f : 0f;
        dense.AsSpan(2 * width, width).Clear(); // an empty row
        var codes = SparseCodes.FromDense(dense, rows, width);
        int[] pick = [4, 0, 2, 4, 4, 1, 3, 0];

        var gathered = codes.GatherRows(pick).ToDense().ToArray();

        Assert.Equal(pick.Length * width, gathered.Length);
        for (int r = 0; r < pick.Length; r++)
            Assert.Equal(dense.AsSpan(pick[r] * width, width).ToArray(), gathered.AsSpan(r * width, width).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => codes.GatherRows([0, rows]));
    }
}
