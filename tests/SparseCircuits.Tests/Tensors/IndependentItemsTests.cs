using System.Collections.Concurrent;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Tensors;

/// <summary>Parallelism.Independent: every item runs once, items see one thread each, products inside equal a float64
/// product, and an item's exception comes out as itself.</summary>
public class IndependentItemsTests
{
    [Fact]
    public void EveryItemRunsOnceOnASingleThreadedWorker()
    {
        var seen = new ConcurrentBag<(int Item, int Degree)>();
        Parallelism.Independent(25, i => seen.Add((i, Parallelism.Degree)));
        Assert.Equal(Enumerable.Range(0, 25), seen.Select(s => s.Item).Order());
        if (Environment.ProcessorCount > 1) Assert.All(seen, s => Assert.Equal(1, s.Degree));
        Assert.Equal(Environment.ProcessorCount, Parallelism.Degree); // restored on the calling thread
    }

    [Fact]
    public void ProductsInsideItemsEqualAFloat64Product()
    {
        const int m = 37, n = 53, k = 71;
        var rng = new Random(4);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var results = new float[4][];
        Parallelism.Independent(4, i =>
        {
            var c = new float[m * n];
            Gemm.Sgemm(false, false, m, n, k, 1f, a, b, 0f, c);
            results[i] = c;
        });
        foreach (var c in results)
            for (int r = 0; r < m; r++)
                for (int j = 0; j < n; j++)
                {
                    double want = 0;
                    for (int t = 0; t < k; t++) want += (double)a[r * k + t] * b[t * n + j];
                    Assert.True(Math.Abs(c[r * n + j] - want) <= 1e-5 * (1 + Math.Abs(want)), $"({r}, {j}): {c[r * n + j]} vs {want}");
                }
    }

    [Fact]
    public void AnItemsExceptionIsRethrownAsItself()
    {
        var e = Assert.Throws<SfcInputException>(() => Parallelism.Independent(6, i =>
        {
            if (i == 3) throw new SfcInputException("item 3 is bad");
        }));
        Assert.Equal("item 3 is bad", e.Message);
    }
}
