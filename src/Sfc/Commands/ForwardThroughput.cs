using System.Diagnostics;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Blas;
using SparseCircuits.Tensors.Ops;

namespace Sfc.Commands;

/// <summary>
/// Forward (and forward + backward) throughput of a model against its GEMM-bound rate: the model's FLOPs divided by the
/// engine's GEMM GFLOP/s measured in the same process on the forward pass's largest product.
/// </summary>
internal sealed record ForwardThroughput(
    int Batch, int Length, double ForwardFlops, double GemmGflops,
    double NoGradSeconds, double WithGradSeconds)
{
    public double NoGradTokensPerSecond => Batch * Length / NoGradSeconds;

    public double WithGradTokensPerSecond => Batch * Length / WithGradSeconds;

    /// <summary>Time the FLOPs would take at the GEMM rate, over the measured time.</summary>
    public double NoGradFraction => ForwardFlops / (GemmGflops * 1e9) / NoGradSeconds;

    /// <summary>Forward + backward is counted as three forwards' FLOPs.</summary>
    public double WithGradFraction => 3 * ForwardFlops / (GemmGflops * 1e9) / WithGradSeconds;

    public static ForwardThroughput Measure(ModelConfig config, int batch, int length, int repeat)
    {
        var model = RandomWeights.Create(config, seed: 1);
        var rng = new Random(2);
        var tokens = new TokenBatch(Enumerable.Range(0, batch * length).Select(_ => rng.Next(config.VocabSize)).ToArray(), batch, length);
        double gemm = GemmRate(batch * length, config.DMlp, config.DModel, repeat);

        void NoGrad()
        {
            using var _ = Tape.NoGrad();
            model.Forward(tokens);
        }

        void WithGrad()
        {
            // Gradients with respect to every parameter, as in training.
            foreach (var p in model.Weights.Parameters()) if (p.Producer is null) p.RequiresGrad = true;
            using var tape = Tape.Record();
            var loss = Reductions.Mean(model.Forward(tokens));
            tape.Backward(loss);
        }

        double noGrad = MedianSeconds(NoGrad, repeat);
        double withGrad = MedianSeconds(WithGrad, Math.Max(1, repeat / 2));
        foreach (var p in model.Weights.Parameters()) p.RequiresGrad = false;
        return new ForwardThroughput(batch, length, CountForwardFlops(config, batch, length), gemm, noGrad, withGrad);
    }

    /// <summary>Multiply-adds ×2 of every matrix product in the forward pass, including attention scores and mixing
    /// (causal: S(S+1)/2 query–key pairs per head).</summary>
    public static double CountForwardFlops(ModelConfig c, int batch, int length)
    {
        double tokens = (double)batch * length;
        double perTokenMatmul = c.DModel * (double)(c.Heads + 2 * c.KvHeads) * c.HeadDim   // q, k, v
            + (double)c.Heads * c.HeadDim * c.DModel                                       // output projection
            + (c.GatedMlp ? 3.0 : 2.0) * c.DModel * c.DMlp;                               // MLP
        double attention = 2.0 * batch * c.Heads * c.HeadDim * (length * (length + 1) / 2.0); // scores + mix
        return 2 * (tokens * perTokenMatmul * c.Layers + attention * c.Layers + tokens * c.DModel * c.VocabSize);
    }

    private static double GemmRate(int m, int n, int k, int repeat)
    {
        var a = new float[m * k];
        var b = new float[k * n];
        var cbuf = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (i % 7) * 0.01f;
        for (int i = 0; i < b.Length; i++) b[i] = (i % 5) * 0.01f;
        double s = MedianSeconds(() => Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, cbuf, n), repeat);
        return 2.0 * m * n * k / s / 1e9;
    }

    private static double MedianSeconds(Action run, int repeat)
    {
        run(); // warm up
        var times = new List<double>();
        for (int i = 0; i < Math.Max(1, repeat); i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
