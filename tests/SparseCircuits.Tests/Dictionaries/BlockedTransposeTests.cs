using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>The blocked transpose equals the definition t[c, r] = m[r, c] on full tiles, ragged edges and tiny shapes,
/// and notices non-finite elements.</summary>
public class BlockedTransposeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 70)]
    [InlineData(64, 64)]
    [InlineData(128, 520)]
    [InlineData(130, 257)]
    public void EqualsTheDefinition(int rows, int cols)
    {
        var m = Tensor.RandomNormal(new Random(rows * 1000 + cols), 1f, rows, cols);
        var t = BlockedTranspose.Transpose(m, out bool finite);
        Assert.True(finite);
        Assert.Equal(new[] { cols, rows }, t.ShapeArray);
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            Assert.Equal(m.Span[r * cols + c], t.Span[c * rows + r]);
    }

    [Theory]
    [InlineData(128, 256, 70, 3, float.NaN)]
    [InlineData(128, 256, 127, 255, float.NegativeInfinity)]
    [InlineData(130, 70, 129, 69, float.PositiveInfinity)]
    public void ReportsNonFiniteElements(int rows, int cols, int r, int c, float bad)
    {
        var m = Tensor.RandomNormal(new Random(4), 1f, rows, cols);
        m.Span[r * cols + c] = bad;
        BlockedTranspose.Transpose(m, out bool finite);
        Assert.False(finite);
    }
}
