using BenchmarkDotNet.Attributes;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Bench;

/// <summary>
/// A Pythia-70M-sized dictionary (d = 512, F = 32768, about 0.25 % of features active) over 600 tokens: sparse and dense
/// encoding against a plain GEMM of the encoder's shape (encoding should run at GEMM speed), and decoding from sparse
/// codes (only active rows) against the dense GEMM decode.
/// </summary>
[MemoryDiagnoser]
public class DictionaryBenchmarks
{
    private const int D = 512, F = 32768, Tokens = 600;

    private ReluSae sae = null!;
    private Tensor x = null!;
    private SparseCodes codes = null!;
    private Tensor denseCodes = null!;
    private float[] product = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var wEnc = Tensor.RandomNormal(rng, 0.05f, D, F);
        var wDec = Tensor.RandomNormal(rng, 0.05f, F, D);
        // Pre-activations are about N(b, 1.13²); b = −3.2 leaves ~0.25 % of them positive (L0 ≈ 80).
        var bEnc = Tensor.Full(-3.2f, F);
        sae = ReluSae.Create(Site.ResidPost(3), wEnc, bEnc, wDec, Tensor.RandomNormal(rng, 0.1f, D));
        x = Tensor.RandomNormal(rng, 1f, Tokens, D);
        codes = sae.EncodeSparse(x);
        denseCodes = codes.ToDense();
        product = new float[Tokens * F];
        Console.WriteLine($"// mean L0 = {codes.MeanL0:F1} of {F}");
    }

    [Benchmark(Baseline = true)]
    public void PlainGemm() =>
        Gemm.Sgemm(false, false, Tokens, F, D, 1f, x.Span, sae.Weights.EncoderWeight.Span, 0f, product);

    [Benchmark]
    public SparseCodes EncodeSparse() => sae.EncodeSparse(x);

    [Benchmark]
    public Tensor EncodeDense()
    {
        using var _ = Tape.NoGrad();
        return sae.Encode(x);
    }

    [Benchmark]
    public Tensor DecodeSparse() => sae.DecodeSparse(codes);

    [Benchmark]
    public Tensor DecodeDense()
    {
        using var _ = Tape.NoGrad();
        return sae.Decode(denseCodes);
    }
}
