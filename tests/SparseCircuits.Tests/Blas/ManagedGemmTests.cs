using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

/// <summary>The managed GEMM against a float64 triple loop, for every kernel and for several thread counts.</summary>
public class ManagedGemmTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<int, int, int, bool, bool, float, float, int> OddShapes => GemmCases.OddShapes(8, 20240601);

    public static TheoryData<int, int, int, bool, bool, float, float, int> BlockCrossingShapes => GemmCases.BlockCrossingShapes();


    [Theory]
    [MemberData(nameof(OddShapes))]
    public void EveryKernelMatchesFloat64Reference(int m, int n, int k, bool transA, bool transB, float alpha, float beta, int pad)
    {
        foreach (var kernel in new[] { ManagedGemmKernel.Vector512, ManagedGemmKernel.Vector256, ManagedGemmKernel.Vector128 })
        {
            AssertMatchesReference(kernel, maxThreads: 2, m, n, k, transA, transB, alpha, beta, pad, seed: m * 7919 + n * 31 + k);
        }
    }

    [Theory]
    [MemberData(nameof(BlockCrossingShapes))]
    public void LargeShapesAcrossBlocksMatchFloat64Reference(int m, int n, int k, bool transA, bool transB, float alpha, float beta, int pad)
    {
        AssertMatchesReference(ManagedGemmKernel.Auto, ManagedGemm.MaxDegreeOfParallelism, m, n, k, transA, transB, alpha, beta, pad, seed: 5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public void ThreadSplitsMatchFloat64Reference(int threads)
    {
        // Wide and tall shapes, so the grid splits columns in one and rows in the other.
        AssertMatchesReference(ManagedGemmKernel.Auto, threads, 37, 515, 129, false, true, 1f, 0.5f, 2, seed: threads);
        AssertMatchesReference(ManagedGemmKernel.Auto, threads, 403, 45, 131, true, false, 1f, 0f, 0, seed: threads + 100);
    }

    [Theory]
    [InlineData(nameof(ManagedGemmKernel.Vector512))]
    [InlineData(nameof(ManagedGemmKernel.Vector256))]
    [InlineData(nameof(ManagedGemmKernel.Vector128))]
    public void BetaZeroOverwritesNaNInC(string kernelName)
    {
        var kernel = Enum.Parse<ManagedGemmKernel>(kernelName);
        var rng = new Random(3);
        int m = 19, n = 35, k = 23;
        var a = MatrixView.Random(rng, m, k, 0);
        var b = MatrixView.Random(rng, k, n, 0);
        var c = MatrixView.Random(rng, m, n, 4);
        for (int i = 0; i < m; i++) c.Span.Slice(i * c.Ld, n).Fill(float.NaN);
        var expected = GemmReference.Multiply(false, false, m, n, k, 1.5, a, b, 0, c);

        ManagedGemm.Sgemm(kernel, 2, false, false, m, n, k, 1.5f, a.Span, a.Ld, b.Span, b.Ld, 0f, c.Span, c.Ld);

        Assert.True(GemmReference.RelativeError(c, expected) <= Tolerance);
        Assert.True(c.PaddingIntact());
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    public void AlphaZeroOnlyScalesCAndIgnoresNaNInA(float beta)
    {
        var rng = new Random(4);
        int m = 9, n = 33, k = 5;
        var a = MatrixView.Random(rng, m, k, 0);
        Array.Fill(a.Storage, float.NaN);
        var b = MatrixView.Random(rng, k, n, 0);
        var c = MatrixView.Random(rng, m, n, 2);
        var before = c.Copy();

        ManagedGemm.Sgemm(false, false, m, n, k, 0f, a.Span, a.Ld, b.Span, b.Ld, beta, c.Span, c.Ld);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) Assert.Equal(beta * before[i, j], c[i, j]);
        }

        Assert.True(c.PaddingIntact());
    }

    [Fact]
    public void EmptyInnerDimensionScalesC()
    {
        var rng = new Random(5);
        var c = MatrixView.Random(rng, 4, 6, 1);
        var before = c.Copy();

        ManagedGemm.Sgemm(false, false, 4, 6, 0, 1f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 6, -2f, c.Span, c.Ld);

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 6; j++) Assert.Equal(-2f * before[i, j], c[i, j]);
        }
    }

    [Fact]
    public void RejectsOperandsShorterThanTheirShape()
    {
        var a = new float[3 * 4];
        var b = new float[4 * 5];
        var c = new float[3 * 5];
        Assert.Throws<ArgumentException>(() => ManagedGemm.Sgemm(false, false, 3, 5, 4, 1f, a, 4, b, 5, 0f, c.AsSpan(1), 5));
        Assert.Throws<ArgumentException>(() => ManagedGemm.Sgemm(false, false, 3, 5, 4, 1f, a, 3, b, 5, 0f, c, 5));
        Assert.Throws<ArgumentException>(() => ManagedGemm.Sgemm(false, true, 3, 5, 4, 1f, a, 4, b, 3, 0f, c, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ManagedGemm.Sgemm(false, false, -1, 5, 4, 1f, a, 4, b, 5, 0f, c, 5));
    }

    private static void AssertMatchesReference(ManagedGemmKernel kernel, int maxThreads, int m, int n, int k,
        bool transA, bool transB, float alpha, float beta, int pad, int seed)
    {
        var rng = new Random(seed);
        var a = transA ? MatrixView.Random(rng, k, m, pad) : MatrixView.Random(rng, m, k, pad);
        var b = transB ? MatrixView.Random(rng, n, k, pad) : MatrixView.Random(rng, k, n, pad);
        var c = MatrixView.Random(rng, m, n, pad);
        var expected = GemmReference.Multiply(transA, transB, m, n, k, alpha, a, b, beta, c);

        ManagedGemm.Sgemm(kernel, maxThreads, transA, transB, m, n, k, alpha, a.Span, a.Ld, b.Span, b.Ld, beta, c.Span, c.Ld);

        double error = GemmReference.RelativeError(c, expected);
        Assert.True(error <= Tolerance, $"{kernel}, {maxThreads} threads: relative error {error:E2} > {Tolerance:E0}");
        Assert.True(c.PaddingIntact(), "wrote outside the C view");
    }
}
