using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Bench;

/// <summary>
/// Throughput of the row-wise and element-wise kernels (norms, softmax, activations, cross-entropy) as bytes moved
/// per second (each input read once plus each output written once), next to a memory-bandwidth baseline measured in
/// the same run: a parallel copy and a parallel add over buffers far larger than the last-level cache. The
/// "of copy" columns are a kernel's GB/s over the faster baseline, from mean times and from the fastest iteration.
/// <para>
/// "Kernel" rows write into preallocated outputs (the arithmetic and memory traffic alone); "Op" rows call the
/// public op, which also allocates its output. [4096, 768] tensors are 12.6 MB, small enough to stay in a large L3;
/// the "Dram" rows repeat three kernels on [65536, 768] (201 MB) so that they stream from memory like the baseline.
/// </para>
/// </summary>
[Config(typeof(Config))]
public class KernelBenchmarks
{
    private const int Rows = 4096, Cols = 768, DramRows = 65536, Vocab = 50257, LossRows = 64;
    private const long Bytes = 4L * Rows * Cols, DramBytes = 4L * DramRows * Cols;
    private const int BaselineFloats = 64 << 20; // 256 MB per buffer

    private Tensor x = null!, weight = null!, bias = null!, seed = null!, logits = null!;
    private float[] y = null!, xDram = null!, yDram = null!;
    private float[] baselineA = null!, baselineB = null!, baselineC = null!;
    private double[] mean = null!, meanDram = null!;
    private float[] scale = null!, scaleDram = null!;
    private int[] targets = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        x = Tensor.RandomNormal(rng, 1f, Rows, Cols);
        weight = Tensor.RandomNormal(rng, 0.1f, Cols);
        bias = Tensor.RandomNormal(rng, 0.1f, Cols);
        seed = Tensor.RandomNormal(rng, 1f, Rows, Cols);
        logits = Tensor.RandomNormal(rng, 3f, LossRows, Vocab);
        targets = Enumerable.Range(0, LossRows).Select(_ => rng.Next(Vocab)).ToArray();
        y = new float[Rows * Cols];
        mean = new double[Rows];
        scale = new float[Rows];
        xDram = Tensor.RandomNormal(rng, 1f, DramRows, Cols).ToArray();
        yDram = new float[xDram.Length];
        meanDram = new double[DramRows];
        scaleDram = new float[DramRows];
        baselineA = Filled(BaselineFloats, 1f);
        baselineB = Filled(BaselineFloats, 2f);
        baselineC = Filled(BaselineFloats, 0f);
    }

    // ---- bandwidth baselines ----

    [Benchmark, BytesMoved(8L * BaselineFloats), BenchmarkCategory("Baseline")]
    public void CopyBaseline256MB() => Parallelism.ForRange(BaselineFloats, 1024, (s, e) =>
        baselineA.AsSpan(s, e - s).CopyTo(baselineC.AsSpan(s, e - s)));

    [Benchmark, BytesMoved(12L * BaselineFloats), BenchmarkCategory("Baseline")]
    public void AddBaseline256MB() => Parallelism.ForRange(BaselineFloats, 1024, (s, e) =>
        TensorPrimitives.Add(baselineA.AsSpan(s, e - s), baselineB.AsSpan(s, e - s), baselineC.AsSpan(s, e - s)));

    // ---- kernels into preallocated outputs, [4096, 768] ----

    [Benchmark, BytesMoved(2 * Bytes)]
    public void LayerNormKernel() => Norms.Forward(x.Storage, Cols, weight.Storage, bias.Storage, 1e-5f, true, mean, scale, y);

    [Benchmark, BytesMoved(2 * Bytes)]
    public void RmsNormKernel() => Norms.Forward(x.Storage, Cols, weight.Storage, bias.Storage, 1e-5f, false, mean, scale, y);

    [Benchmark, BytesMoved(2 * Bytes)]
    public void SoftmaxKernel() => SoftmaxOps.SoftmaxForward(x.Storage, Cols, y);

    [Benchmark, BytesMoved(2 * Bytes)]
    public void LogSoftmaxKernel() => SoftmaxOps.LogSoftmaxForward(x.Storage, Cols, y);

    [Benchmark, BytesMoved(2 * Bytes)]
    public void GeluKernel() => Activations.GeluInto(x.Storage, y);

    [Benchmark, BytesMoved(2 * Bytes)]
    public void GeluTanhKernel() => Activations.GeluTanhInto(x.Storage, y);

    [Benchmark, BytesMoved(2 * Bytes)]
    public void SiluKernel() => Activations.SiluInto(x.Storage, y);

    // ---- the same kernels streaming from memory, [65536, 768] ----

    [Benchmark, BytesMoved(2 * DramBytes)]
    public void LayerNormKernelDram() => Norms.Forward(xDram, Cols, weight.Storage, bias.Storage, 1e-5f, true, meanDram, scaleDram, yDram);

    [Benchmark, BytesMoved(2 * DramBytes)]
    public void SoftmaxKernelDram() => SoftmaxOps.SoftmaxForward(xDram, Cols, yDram);

    [Benchmark, BytesMoved(2 * DramBytes)]
    public void GeluKernelDram() => Activations.GeluInto(xDram, yDram);

    // ---- public ops (allocate their output), [4096, 768] ----

    [Benchmark, BytesMoved(2 * Bytes)]
    public Tensor LayerNormOp() => Norms.LayerNorm(x, weight, bias, 1e-5f);

    [Benchmark, BytesMoved(2 * Bytes)]
    public Tensor SoftmaxOp() => SoftmaxOps.Softmax(x);

    [Benchmark, BytesMoved(2 * Bytes)]
    public Tensor GeluOp() => Activations.Gelu(x);

    /// <summary>Logits [64, 50257] read once, one float out.</summary>
    [Benchmark, BytesMoved(4L * LossRows * Vocab)]
    public Tensor CrossEntropyOp() => Losses.CrossEntropy(logits, targets);

    // ---- forward + backward (one seed): x read twice, seed read, y written, ∂x read and written ----

    [Benchmark, BytesMoved(6 * Bytes)]
    public Tensor LayerNormForwardBackward() => ForwardBackward(t => Norms.LayerNorm(t, weight, bias, 1e-5f));

    [Benchmark, BytesMoved(6 * Bytes)]
    public Tensor GeluForwardBackward() => ForwardBackward(Activations.Gelu);

    private Tensor ForwardBackward(Func<Tensor, Tensor> op)
    {
        var leaf = new Tensor(x.Storage, Rows, Cols).RequireGrad();
        using var tape = Tape.Record();
        return tape.Backward(op(leaf), seed).Of(leaf);
    }

    private static float[] Filled(int n, float value)
    {
        var a = GC.AllocateUninitializedArray<float>(n);
        a.AsSpan().Fill(value);
        return a;
    }

    /// <summary>Bytes a benchmark moves per call (reads + writes), for the throughput columns.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class BytesMovedAttribute(long bytes) : Attribute
    {
        public long Bytes { get; } = bytes;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithId("Kernels"));
            AddColumn(StatisticColumn.Min);
            foreach (bool fromMinimum in new[] { false, true })
            foreach (bool relative in new[] { false, true })
                AddColumn(new ThroughputColumn(relative, fromMinimum));
            WithOption(ConfigOptions.JoinSummary, true);
        }
    }

    /// <summary>
    /// GB/s from the bytes a method declares and its mean (or minimum) time, or that as a fraction of the fastest
    /// baseline in the same summary taken the same way. On a shared machine the minimum is the better estimate of
    /// what the code does when it has the cores to itself.
    /// </summary>
    private sealed class ThroughputColumn(bool relativeToBaseline, bool fromMinimum) : IColumn
    {
        public string Id => (relativeToBaseline ? "FractionOfCopy" : "GBps") + (fromMinimum ? "Min" : "Mean");
        public string ColumnName => (relativeToBaseline ? "of copy" : "GB/s") + (fromMinimum ? " (min)" : "");
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => (fromMinimum ? 2 : 0) + (relativeToBaseline ? 1 : 0);
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => (relativeToBaseline
            ? "Throughput over the best bandwidth baseline (256 MB parallel copy or add) of this run"
            : "Bytes read + written per second, 10^9") + (fromMinimum ? ", from the fastest iteration" : ", from the mean time");

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? rate = Rate(summary, benchmarkCase);
            if (rate is null) return "-";
            if (!relativeToBaseline) return $"{rate:F1}";
            double best = summary.BenchmarksCases
                .Where(c => c.Descriptor.Categories.Contains("Baseline"))
                .Select(c => Rate(summary, c) ?? 0).DefaultIfEmpty(0).Max();
            return best > 0 ? $"{rate / best:P0}" : "-";
        }

        private double? Rate(Summary summary, BenchmarkCase c)
        {
            var bytes = c.Descriptor.WorkloadMethod.GetCustomAttribute<BytesMovedAttribute>()?.Bytes;
            var stats = summary[c]?.ResultStatistics;
            if (bytes is null || stats is null) return null;
            double ns = fromMinimum ? stats.Min : stats.Mean;
            return ns > 0 ? bytes.Value / ns : null; // bytes per ns = GB/s
        }
    }
}
