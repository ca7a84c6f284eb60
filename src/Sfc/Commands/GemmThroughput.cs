using System.Diagnostics;
using SparseCircuits.Tensors.Blas;

namespace Sfc.Commands;

/// <summary>GFLOP/s of one GEMM shape through the three paths, measured in one process on the same operands.</summary>
/// <param name="EngineGflops">Gemm.Sgemm with the OpenBLAS backend (its checks and dispatch included); with no
/// OpenBLAS, Gemm.Sgemm on the managed backend.</param>
/// <param name="OpenBlasGflops">The raw cblas_sgemm call; null when OpenBLAS is not installed.</param>
/// <param name="ManagedGflops">ManagedGemm.Sgemm.</param>
internal sealed record GemmThroughput(int M, int N, int K, bool TransA, bool TransB, int Repeat,
    double EngineGflops, double? OpenBlasGflops, double ManagedGflops)
{
    /// <summary>
    /// Runs each path <paramref name="warmup"/> times unmeasured, then <paramref name="repeat"/> measured rounds that
    /// take the paths in turn (so drift in clock speed or load affects all alike), and reports each path's median.
    /// </summary>
    public static GemmThroughput Measure(int m, int n, int k, bool transA, bool transB, int repeat, int warmup = 2)
    {
        var rng = new Random(12345);
        float[] a = RandomMatrix(rng, (long)m * k), b = RandomMatrix(rng, (long)k * n);
        float[] c = new float[(long)m * n];
        int lda = transA ? m : k, ldb = transB ? k : n;
        bool haveOpenBlas = OpenBlas.IsAvailable;

        var paths = new List<(string Name, Action Run)>
        {
            ("engine", () =>
            {
                var saved = Gemm.Backend;
                Gemm.Backend = haveOpenBlas ? GemmBackend.OpenBlas : GemmBackend.Managed;
                try
                {
                    Gemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
                }
                finally
                {
                    Gemm.Backend = saved;
                }
            }),
            ("managed", () => ManagedGemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n)),
        };
        if (haveOpenBlas) paths.Add(("openblas", () => OpenBlas.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n)));

        for (int w = 0; w < warmup; w++)
        {
            foreach (var path in paths) path.Run();
        }

        var seconds = paths.ToDictionary(p => p.Name, _ => new List<double>());
        for (int r = 0; r < repeat; r++)
        {
            foreach (var path in paths)
            {
                long start = Stopwatch.GetTimestamp();
                path.Run();
                seconds[path.Name].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        double flops = 2.0 * m * n * k;
        double Gflops(string name) => flops / Median(seconds[name]) / 1e9;
        return new GemmThroughput(m, n, k, transA, transB, repeat,
            Gflops("engine"), haveOpenBlas ? Gflops("openblas") : null, Gflops("managed"));
    }

    private static float[] RandomMatrix(Random rng, long count)
    {
        var x = new float[count];
        for (long i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static double Median(List<double> xs)
    {
        var sorted = xs.Order().ToArray();
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
    }
}
