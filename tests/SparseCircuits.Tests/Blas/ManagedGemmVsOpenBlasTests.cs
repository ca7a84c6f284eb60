using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

/// <summary>The managed fallback and OpenBLAS agree to 1e-5 relative (to the largest |value| of C).</summary>
public class ManagedGemmVsOpenBlasTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<int, int, int, bool, bool, float, float, int> OddShapes => GemmCases.OddShapes(10, 777);

    public static TheoryData<int, int, int, bool, bool, float, float, int> BlockCrossingShapes => GemmCases.BlockCrossingShapes();

    [OpenBlasTheory]
    [MemberData(nameof(OddShapes))]
    [MemberData(nameof(BlockCrossingShapes))]
    public void ManagedEqualsOpenBlas(int m, int n, int k, bool transA, bool transB, float alpha, float beta, int pad)
    {
        var rng = new Random(m + 131 * n + 17 * k);
        var a = transA ? MatrixView.Random(rng, k, m, pad) : MatrixView.Random(rng, m, k, pad);
        var b = transB ? MatrixView.Random(rng, n, k, pad) : MatrixView.Random(rng, k, n, pad);
        var cManaged = MatrixView.Random(rng, m, n, pad);
        var cOpenBlas = cManaged.Copy();

        ManagedGemm.Sgemm(transA, transB, m, n, k, alpha, a.Span, a.Ld, b.Span, b.Ld, beta, cManaged.Span, cManaged.Ld);
        OpenBlas.Sgemm(transA, transB, m, n, k, alpha, a.Span, a.Ld, b.Span, b.Ld, beta, cOpenBlas.Span, cOpenBlas.Ld);

        double error = GemmReference.RelativeError(cManaged, cOpenBlas);
        Assert.True(error <= Tolerance, $"relative difference {error:E2} > {Tolerance:E0}");
        Assert.True(cManaged.PaddingIntact());
    }

    [OpenBlasFact]
    public void BothOverwriteNaNWhenBetaIsZero()
    {
        var rng = new Random(9);
        var a = MatrixView.Random(rng, 13, 7, 0);
        var b = MatrixView.Random(rng, 7, 21, 0);
        var cManaged = MatrixView.Random(rng, 13, 21, 0);
        Array.Fill(cManaged.Storage, float.NaN);
        var cOpenBlas = cManaged.Copy();

        ManagedGemm.Sgemm(false, false, 13, 21, 7, 1f, a.Span, a.Ld, b.Span, b.Ld, 0f, cManaged.Span, cManaged.Ld);
        OpenBlas.Sgemm(false, false, 13, 21, 7, 1f, a.Span, a.Ld, b.Span, b.Ld, 0f, cOpenBlas.Span, cOpenBlas.Ld);

        Assert.True(GemmReference.RelativeError(cManaged, cOpenBlas) <= Tolerance);
    }
}
