using BenchmarkDotNet.Attributes;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Bench;

/// <summary>
/// C = A·B at the sizes the engine cares about: (512, 768, 3072) is a transformer MLP projection over a 512-token
/// batch, (60, 32768, 512) a dictionary encoder over a short prompt. OpenBLAS (raw and through Gemm) against the
/// managed fallback, both with their default thread counts.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] a = [], b = [], c = [];
    private int m, n, k;

    [Params("512x768x3072", "60x32768x512")]
    public string Shape { get; set; } = "512x768x3072";

    [Params(false, true)]
    public bool TransB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var dims = Shape.Split('x').Select(int.Parse).ToArray();
        (m, n, k) = (dims[0], dims[1], dims[2]);
        var rng = new Random(1);
        a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        c = new float[m * n];
    }

    [Benchmark(Baseline = true)]
    public void OpenBlasRaw() =>
        OpenBlas.Sgemm(false, TransB, m, n, k, 1f, a, k, b, TransB ? k : n, 0f, c, n);

    [Benchmark]
    public void EngineOpenBlas()
    {
        Gemm.Backend = GemmBackend.OpenBlas;
        Gemm.Sgemm(false, TransB, m, n, k, 1f, a, k, b, TransB ? k : n, 0f, c, n);
    }

    [Benchmark]
    public void Managed() =>
        ManagedGemm.Sgemm(false, TransB, m, n, k, 1f, a, k, b, TransB ? k : n, 0f, c, n);
}
