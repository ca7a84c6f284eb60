using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

/// <summary>Packed panels hold exactly op(A) / op(B) in the micro-kernel order, zero padded, straight from the
/// definition of the layout.</summary>
public unsafe class GemmPackingTests
{
    [Theory]
    [InlineData(false, 8, 21, 19)]
    [InlineData(true, 8, 21, 19)]
    [InlineData(false, 6, 13, 40)]
    [InlineData(true, 6, 13, 40)]
    [InlineData(false, 8, 5, 3)]
    public void PackAHoldsOpAInPanels(bool transA, int mr, int mc, int kc)
    {
        const int i0 = 2, p0 = 3;
        int rows = i0 + mc + 1, cols = p0 + kc + 2;
        var a = MatrixView.Random(new Random(mc), transA ? cols : rows, transA ? rows : cols, 4);
        int panels = (mc + mr - 1) / mr;
        var packed = new float[panels * mr * kc + 1];
        packed[^1] = MatrixView.Sentinel;

        fixed (float* pa = a.Span, dst = packed)
        {
            GemmPacking.PackA(transA, pa, a.Ld, i0, mc, p0, kc, mr, dst);
        }

        for (int panel = 0; panel < panels; panel++)
        {
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < mr; r++)
                {
                    int i = panel * mr + r;
                    float expected = i >= mc ? 0f : transA ? a[p0 + p, i0 + i] : a[i0 + i, p0 + p];
                    Assert.Equal(expected, packed[(panel * kc + p) * mr + r]);
                }
            }
        }

        Assert.Equal(MatrixView.Sentinel, packed[^1]);
    }

    [Theory]
    [InlineData(false, 32, 70, 17)]
    [InlineData(true, 32, 70, 17)]
    [InlineData(false, 16, 9, 33)]
    [InlineData(true, 16, 9, 33)]
    [InlineData(true, 8, 3, 8)]
    public void PackBHoldsOpBInPanels(bool transB, int nr, int nc, int kc)
    {
        const int j0 = 5, p0 = 1;
        int rows = p0 + kc + 3, cols = j0 + nc + 2;
        var b = MatrixView.Random(new Random(nc), transB ? cols : rows, transB ? rows : cols, 3);
        int panels = (nc + nr - 1) / nr;
        var packed = new float[panels * nr * kc + 1];
        packed[^1] = MatrixView.Sentinel;

        fixed (float* pb = b.Span, dst = packed)
        {
            GemmPacking.PackB(transB, pb, b.Ld, p0, kc, j0, nc, nr, dst);
        }

        for (int panel = 0; panel < panels; panel++)
        {
            for (int p = 0; p < kc; p++)
            {
                for (int c = 0; c < nr; c++)
                {
                    int j = panel * nr + c;
                    float expected = j >= nc ? 0f : transB ? b[j0 + j, p0 + p] : b[p0 + p, j0 + j];
                    Assert.Equal(expected, packed[(panel * kc + p) * nr + c]);
                }
            }
        }

        Assert.Equal(MatrixView.Sentinel, packed[^1]);
    }
}
