using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class AttentionTests
{
    private const string File = "attn_causal.json";

    private static Tensor R(int seed, params int[] shape) => Tensor.RandomNormal(new Random(seed), 1f, shape);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "gqa", "mha", "long" })
        foreach (var kernel in new[] { AttentionKernel.Auto, AttentionKernel.Tiles, AttentionKernel.Blas })
            data.Add(name, (int)kernel);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PatternOutputAndGradientsMatchPyTorch(string name, int kernelId)
    {
        var kernel = (AttentionKernel)kernelId;
        var c = AttnReference.Case(File, name);
        var q = c.Tensor("q").RequireGrad();
        var k = c.Tensor("k").RequireGrad();
        var v = c.Tensor("v").RequireGrad();
        float scale = (float)c.Number("scale");
        Tensor? pattern = null;
        using var tape = Tape.Record();
        var z = Attention.Causal(q, k, v, scale, p => pattern = p, kernel);
        GradCheck.AssertClose(c.Tensor("pattern").Span, pattern!.Span, 1e-5, "pattern");
        GradCheck.AssertClose(c.Tensor("z").Span, z.Span, 1e-5, "z");
        var grads = tape.Backward(z, c.Tensor("r"));
        GradCheck.AssertClose(c.Tensor("grad_q").Span, grads.Of(q).Span, 1e-5, "grad q");
        GradCheck.AssertClose(c.Tensor("grad_k").Span, grads.Of(k).Span, 1e-5, "grad k");
        GradCheck.AssertClose(c.Tensor("grad_v").Span, grads.Of(v).Span, 1e-5, "grad v");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedInferencePathMatchesPyTorch(string name, int kernelId)
    {
        var c = AttnReference.Case(File, name);
        var z = Attention.Causal(c.Tensor("q"), c.Tensor("k"), c.Tensor("v"), (float)c.Number("scale"), null, (AttentionKernel)kernelId);
        GradCheck.AssertClose(c.Tensor("z").Span, z.Span, 1e-5, "z");
    }

    [Fact]
    public void PublicOpsMatchPyTorchUnderNoGrad()
    {
        var c = AttnReference.Case(File, "gqa");
        using var _ = Tape.NoGrad();
        var q = c.Tensor("q").RequireGrad();
        var p = Attention.AttentionPattern(q, c.Tensor("k"), (float)c.Number("scale"));
        Assert.False(p.RequiresGrad);
        GradCheck.AssertClose(c.Tensor("pattern").Span, p.Span, 1e-5, "pattern");
        GradCheck.AssertClose(c.Tensor("z").Span, Attention.AttentionMix(p, c.Tensor("v")).Span, 1e-5, "z");
        GradCheck.AssertClose(c.Tensor("z").Span, Attention.Causal(q, c.Tensor("k"), c.Tensor("v"), (float)c.Number("scale")).Span, 1e-5, "z");
    }

    [Theory]
    [InlineData((int)AttentionKernel.Tiles)]
    [InlineData((int)AttentionKernel.Blas)]
    public void LongSequenceMatchesFloat64Definition(int kernelId)
    {
        // S = 70: 16- and 8-wide tiles along S and D, a column tail and a two-row last row block.
        const int b = 2, s = 70, h = 4, hkv = 2, d = 24;
        const float scale = 0.2f;
        var q = R(1, b, s, h, d);
        var k = R(2, b, s, hkv, d);
        var v = R(3, b, s, hkv, d);
        var z = Attention.Causal(q, k, v, scale, null, (AttentionKernel)kernelId);
        var pattern = Attention.Pattern(q, k, scale, (AttentionKernel)kernelId);
        var (expectedPattern, expectedZ) = Naive(q, k, v, scale);
        GradCheck.AssertClose(expectedPattern, pattern.Span, 1e-5, "pattern");
        GradCheck.AssertClose(expectedZ, z.Span, 1e-5, "z");
    }

    [Theory]
    [InlineData((int)AttentionKernel.Tiles)]
    [InlineData((int)AttentionKernel.Blas)]
    public void MixAcceptsNonCausalPatterns(int kernelId)
    {
        // A hook may replace the pattern with anything; the mix must then use every entry.
        const int b = 1, s = 19, h = 2, hkv = 1, d = 16;
        var pattern = R(4, b, h, s, s);
        var v = R(5, b, s, hkv, d);
        var z = Attention.Mix(pattern, v, (AttentionKernel)kernelId);
        var expected = new float[z.Length];
        for (int bi = 0; bi < b; bi++)
        for (int hi = 0; hi < h; hi++)
        for (int i = 0; i < s; i++)
        for (int e = 0; e < d; e++)
        {
            double acc = 0;
            for (int j = 0; j < s; j++) acc += (double)pattern[bi, hi, i, j] * v[bi, j, hi / (h / hkv), e];
            expected[((bi * s + i) * h + hi) * d + e] = (float)acc;
        }
        GradCheck.AssertClose(expected, z.Span, 1e-5, "z");
    }

    [Fact]
    public void PatternRowsSumToOneAndAreZeroAboveTheDiagonal()
    {
        const int b = 2, s = 9, h = 4, hkv = 2, d = 6;
        var p = Attention.AttentionPattern(Tensor.RandomNormal(new Random(6), 3f, b, s, h, d), R(7, b, s, hkv, d), 0.5f);
        Assert.Equal(new[] { b, h, s, s }, p.ShapeArray);
        for (int bi = 0; bi < b; bi++)
        for (int hi = 0; hi < h; hi++)
        for (int i = 0; i < s; i++)
        {
            double sum = 0;
            for (int j = 0; j < s; j++)
            {
                float w = p[bi, hi, i, j];
                if (j > i) Assert.Equal(0f, w);
                else Assert.InRange(w, 0f, 1f);
                sum += w;
            }
            Assert.Equal(1.0, sum, 1e-6);
        }
        // The first position can only attend to itself.
        Assert.Equal(1f, p[1, 3, 0, 0]);
    }

    [Fact]
    public void FrozenPatternPassesNoGradientToQueriesOrKeys()
    {
        var c = AttnReference.Case(File, "gqa");
        var q = c.Tensor("q").RequireGrad();
        var k = c.Tensor("k").RequireGrad();
        var v = c.Tensor("v").RequireGrad();
        using var tape = Tape.Record();
        var z = Attention.Causal(q, k, v, (float)c.Number("scale"), p => p.Detach());
        GradCheck.AssertClose(c.Tensor("z").Span, z.Span, 1e-5, "z");
        var grads = tape.Backward(z, c.Tensor("r"));
        Assert.All(grads.Of(q).ToArray(), g => Assert.Equal(0f, g));
        Assert.All(grads.Of(k).ToArray(), g => Assert.Equal(0f, g));
        // v's gradient pᵀ·g does not depend on whether p is frozen.
        GradCheck.AssertClose(c.Tensor("grad_v").Span, grads.Of(v).Span, 1e-5, "grad v");
    }

    [Fact]
    public void HookedPatternIsWhatTheMixUses()
    {
        // Replacing the pattern by a uniform causal average makes z[i] the mean of v[0..i].
        const int s = 5, d = 3;
        var q = R(8, 1, s, 1, d);
        var v = R(9, 1, s, 1, d);
        var uniform = Tensor.Zeros(1, 1, s, s);
        for (int i = 0; i < s; i++)
        for (int j = 0; j <= i; j++) uniform[0, 0, i, j] = 1f / (i + 1);
        var z = Attention.Causal(q, q, v, 1f, _ => uniform);
        for (int i = 0; i < s; i++)
        for (int e = 0; e < d; e++)
        {
            double mean = 0;
            for (int j = 0; j <= i; j++) mean += v[0, j, 0, e];
            Assert.Equal(mean / (i + 1), z[0, i, 0, e], 5);
        }
    }

    public static TheoryData<int> Kernels() => new() { (int)AttentionKernel.Tiles, (int)AttentionKernel.Blas };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void PatternGradientsMatchFiniteDifferences(int kernelId)
    {
        var kernel = (AttentionKernel)kernelId;
        var inputs = new[] { R(10, 2, 4, 4, 6), R(11, 2, 4, 2, 6) };
        GradCheck.Check(t => Attention.Pattern(t[0], t[1], 0.4f, kernel), inputs);
        GradCheck.BatchedEqualsSeparate(t => Attention.Pattern(t[0], t[1], 0.4f, kernel), inputs);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void MixGradientsMatchFiniteDifferences(int kernelId)
    {
        var kernel = (AttentionKernel)kernelId;
        // A general (non-causal) pattern, as a hook may produce.
        var inputs = new[] { R(12, 2, 4, 4, 4), R(13, 2, 4, 2, 6) };
        GradCheck.Check(t => Attention.Mix(t[0], t[1], kernel), inputs);
        GradCheck.BatchedEqualsSeparate(t => Attention.Mix(t[0], t[1], kernel), inputs);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CausalGradientsMatchFiniteDifferences(int kernelId)
    {
        var kernel = (AttentionKernel)kernelId;
        var inputs = new[] { R(14, 2, 4, 4, 6), R(15, 2, 4, 2, 6), R(16, 2, 4, 2, 6) };
        GradCheck.Check(t => Attention.Causal(t[0], t[1], t[2], 0.4f, null, kernel), inputs);
        GradCheck.BatchedEqualsSeparate(t => Attention.Causal(t[0], t[1], t[2], 0.4f, null, kernel), inputs, k: 4);
    }

    [Fact]
    public void CausalGradientsMatchFiniteDifferencesWithWideTiles()
    {
        // D = 24 exercises the 16- and 8-wide register tiles along the head dimension, S = 9 a one-row last row block.
        var inputs = new[] { R(17, 1, 9, 2, 24), R(18, 1, 9, 1, 24), R(19, 1, 9, 1, 24) };
        GradCheck.Check(t => Attention.Causal(t[0], t[1], t[2], 0.3f, null, AttentionKernel.Tiles), inputs);
        GradCheck.BatchedEqualsSeparate(t => Attention.Causal(t[0], t[1], t[2], 0.3f, null, AttentionKernel.Tiles), inputs);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        Assert.Throws<ArgumentException>(() => Attention.AttentionPattern(R(1, 1, 3, 3, 4), R(2, 1, 3, 2, 4), 1f));
        Assert.Throws<ArgumentException>(() => Attention.AttentionPattern(R(1, 1, 3, 2, 4), R(2, 1, 4, 2, 4), 1f));
        Assert.Throws<ArgumentException>(() => Attention.AttentionMix(R(1, 1, 2, 3, 3), R(2, 1, 4, 2, 4)));
        Assert.Throws<ArgumentException>(() => Attention.Causal(R(1, 1, 3, 2, 4), R(2, 1, 3, 2, 4), R(3, 1, 3, 2, 5), 1f));
    }

    /// <summary>The definition in float64: softmax over j ≤ i of scale·q_i·k_j, then the weighted sum of values.</summary>
    private static (float[] Pattern, float[] Z) Naive(Tensor q, Tensor k, Tensor v, float scale)
    {
        int b = q.Dim(0), s = q.Dim(1), h = q.Dim(2), hkv = k.Dim(2), d = q.Dim(3), group = h / hkv;
        var pattern = new float[b * h * s * s];
        var z = new float[b * s * h * d];
        var w = new double[s];
        for (int bi = 0; bi < b; bi++)
        for (int hi = 0; hi < h; hi++)
        for (int i = 0; i < s; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j <= i; j++)
            {
                double dot = 0;
                for (int e = 0; e < d; e++) dot += (double)q[bi, i, hi, e] * k[bi, j, hi / group, e];
                w[j] = scale * dot;
                max = Math.Max(max, w[j]);
            }
            for (int j = 0; j <= i; j++) sum += w[j] = Math.Exp(w[j] - max);
            for (int j = 0; j <= i; j++) pattern[((bi * h + hi) * s + i) * s + j] = (float)(w[j] / sum);
            for (int e = 0; e < d; e++)
            {
                double acc = 0;
                for (int j = 0; j <= i; j++) acc += w[j] / sum * v[bi, j, hi / group, e];
                z[((bi * s + i) * h + hi) * d + e] = (float)acc;
            }
        }
        return (pattern, z);
    }
}
