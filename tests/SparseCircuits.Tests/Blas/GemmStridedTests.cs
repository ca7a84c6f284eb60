using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

/// <summary>Gemm.SgemmStrided on both backends against per-item float64 products, including an operand shared by
/// every item (stride 0).</summary>
[Collection(GemmGlobalStateCollection.Name)]
public class GemmStridedTests
{
    /// <summary>(transA, transB, A strided?, B strided?): A shared, B shared, neither; transposes vary with them.</summary>
    public static TheoryData<bool, bool, bool, bool> Cases => new()
    {
        { false, true, false, true },
        { true, false, true, false },
        { true, true, true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ManagedItemsMatchTheirOwnProducts(bool transA, bool transB, bool aStrided, bool bStrided) =>
        AssertItemsMatch(GemmBackend.Managed, transA, transB, aStrided, bStrided);

    [OpenBlasTheory]
    [MemberData(nameof(Cases))]
    public void OpenBlasItemsMatchTheirOwnProducts(bool transA, bool transB, bool aStrided, bool bStrided) =>
        AssertItemsMatch(GemmBackend.OpenBlas, transA, transB, aStrided, bStrided);

    private static void AssertItemsMatch(GemmBackend backend, bool transA, bool transB, bool aStrided, bool bStrided)
    {
        const int batch = 3, m = 17, n = 40, k = 29, gap = 5;
        var rng = new Random((aStrided ? 2 : 0) + (bStrided ? 1 : 0));
        int strideA = aStrided ? m * k + gap : 0, strideB = bStrided ? k * n + gap : 0, strideC = m * n + gap;
        var a = RandomArray(rng, (batch - 1) * strideA + m * k);
        var b = RandomArray(rng, (batch - 1) * strideB + k * n);
        var c = new float[(batch - 1) * strideC + m * n];
        Array.Fill(c, MatrixView.Sentinel);

        var saved = Gemm.Backend;
        Gemm.Backend = backend;
        try
        {
            Gemm.SgemmStrided(batch, transA, transB, m, n, k, 1f, a, strideA, b, strideB, 0f, c, strideC);
        }
        finally
        {
            Gemm.Backend = saved;
        }

        for (int item = 0; item < batch; item++)
        {
            var av = new MatrixView(a, item * strideA, transA ? k : m, transA ? m : k, transA ? m : k);
            var bv = new MatrixView(b, item * strideB, transB ? n : k, transB ? k : n, transB ? k : n);
            var cv = new MatrixView(c, item * strideC, m, n, n);
            var expected = GemmReference.Multiply(transA, transB, m, n, k, 1, av, bv, 0, cv);
            Assert.True(GemmReference.RelativeError(cv, expected) <= 1e-5, $"item {item}");
            if (item < batch - 1)
            {
                Assert.All(c.AsSpan(item * strideC + m * n, gap).ToArray(), x => Assert.Equal(MatrixView.Sentinel, x));
            }
        }
    }

    private static float[] RandomArray(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
