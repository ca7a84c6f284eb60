using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

public class GemmThreadGridTests
{
    [Theory]
    [InlineData(10, 3)]
    [InlineData(7, 7)]
    [InlineData(5, 1)]
    [InlineData(64, 6)]
    public void SharesTileTheRangeEvenly(int total, int parts)
    {
        int next = 0;
        for (int i = 0; i < parts; i++)
        {
            var (start, end) = GemmThreadGrid.Share(total, parts, i);
            Assert.Equal(next, start);
            Assert.InRange(end - start, total / parts, total / parts + 1);
            next = end;
        }

        Assert.Equal(total, next);
    }

    [Fact]
    public void SmallProductsStayOnOneThread()
    {
        Assert.Equal(1, GemmThreadGrid.Choose(16, 16, 16, 2, 1, 1024, maxThreads: 8, minWorkPerThread: 1 << 19).Count);
    }

    [Theory]
    [InlineData(60, 32768, 512, 1, 2)]  // few rows, many columns: split the columns
    [InlineData(32768, 60, 512, 2, 1)]  // many rows, few columns: split the rows
    public void SplitsAlongTheLongSide(int m, int n, int k, int rows, int cols)
    {
        var grid = GemmThreadGrid.Choose(m, n, k, (m + 7) / 8, (n + 31) / 32, 1024, maxThreads: 2, minWorkPerThread: 1 << 19);
        Assert.Equal(new GemmThreadGrid(rows, cols), grid);
    }

    [Fact]
    public void NeverMoreRegionsThanTiles()
    {
        var grid = GemmThreadGrid.Choose(8, 64, 100_000, 1, 2, 1024, maxThreads: 16, minWorkPerThread: 1);
        Assert.True(grid.Rows <= 1 && grid.Cols <= 2 && grid.Count >= 1);
    }
}
