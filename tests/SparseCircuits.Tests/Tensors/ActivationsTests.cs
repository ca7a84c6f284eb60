using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class ActivationsTests
{
    private static readonly System.Text.Json.JsonElement Reference = OpReference.Load("norms_activations.json");

    private static Tensor ReferenceInput() => Tensor.FromArray(Reference.F32("x"), Reference.F32("x").Length);

    public static TheoryData<string> Smooth => new() { "gelu", "gelu_tanh", "silu" };

    private static Tensor Apply(string name, Tensor x) => name switch
    {
        "gelu" => Activations.Gelu(x),
        "gelu_tanh" => Activations.GeluTanh(x),
        "silu" => Activations.Silu(x),
        "relu" => Activations.Relu(x),
        _ => throw new ArgumentException(name),
    };

    // ---- forward values against PyTorch ----

    [Fact]
    public void GeluIsCorrectlyRoundedAgainstPyTorchFloat64()
    {
        // Exact GELU is computed in float64 lanes, so it is within half an ulp everywhere, tails included. PyTorch's
        // float64 ½x(1 + erf) itself cancels to 0 below x ≈ −8 (the true value at −12 is −2.1e-32), hence the floor
        // there; the series reference has no such cancellation and is held to half an ulp throughout.
        var y = Activations.Gelu(ReferenceInput());
        OpReference.AssertNear(Reference.F64("gelu_f64"), y.Span, 6e-8, 1e-15, "gelu vs PyTorch float64");
        OpReference.AssertUlps(Reference.F32("x").Select(v => v * ReferenceMath.NormalCdf(v)).ToArray(), y.Span, 0.6, "gelu vs series");
    }

    [Theory]
    [InlineData("gelu", 5e-7)]
    [InlineData("gelu_tanh", 2e-7)]
    [InlineData("silu", 2e-7)]
    public void MatchesPyTorchFloat32(string name, double atol)
    {
        // PyTorch's float32 exact GELU is itself off by up to ~|x|·1e-7 for negative x (1 + erf cancels; e.g.
        // 2.4e-7 at x = −3.1, against the float64 value that this op matches to half an ulp), hence its larger floor.
        OpReference.AssertNear(Reference.F32(name), Apply(name, ReferenceInput()).Span, 1e-6, atol, name + " vs PyTorch float32");
    }

    [Theory]
    [InlineData("gelu_tanh", 2e-6)]
    [InlineData("silu", 1e-6)]
    public void Float32KernelsMatchPyTorchFloat64(string name, double rtol)
    {
        // Evaluated in float32: a few ulps (more for x ≪ 0, where σ of a large argument amplifies input rounding). The
        // floor covers x ≲ −7, where PyTorch's float64 1 + tanh(u) cancels to 0 and x·σ(2u) here is ~1e-16.
        OpReference.AssertNear(Reference.F64(name + "_f64"), Apply(name, ReferenceInput()).Span, rtol, 1e-12, name + " vs PyTorch float64");
    }

    [Fact]
    public void ReluMatchesPyTorchExactly()
    {
        Assert.Equal(Reference.F32("relu"), Activations.Relu(ReferenceInput()).ToArray());
    }

    [Theory]
    [InlineData("gelu_new")]
    [InlineData("gelu_fast")]
    public void HuggingFaceTanhSpellingsAreGeluTanh(string name)
    {
        OpReference.AssertNear(Reference.F32(name), Activations.ApplyByName(name, ReferenceInput()).Span, 1e-6, 2e-7, name);
    }

    // ---- gradients ----

    [Theory]
    [MemberData(nameof(Smooth))]
    public void DerivativeMatchesPyTorchFloat64Autograd(string name)
    {
        var x = ReferenceInput().RequireGrad();
        using var tape = Tape.Record();
        var y = Apply(name, x);
        var grad = tape.Backward(y, Tensor.Full(1f, y.ShapeArray)).Of(x);
        OpReference.AssertNear(Reference.F64(name + "_grad_f64"), grad.Span, 2e-6, 2e-7, name + "'");
    }

    [Theory]
    [MemberData(nameof(Smooth))]
    public void GradientMatchesFiniteDifferences(string name)
    {
        var x = Tensor.RandomNormal(new Random(3), 2f, 3, 7);
        GradCheck.Check(t => Apply(name, t[0]), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Apply(name, t[0]), new[] { x });
    }

    [Fact]
    public void ReluGradientAwayFromTheKink()
    {
        var x = AwayFrom(0f, seed: 4, 3, 8);
        GradCheck.Check(t => Activations.Relu(t[0]), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Activations.Relu(t[0]), new[] { x });
    }

    [Fact]
    public void LargeInputsRunInParallelAndMatchAnIndependentReference()
    {
        // 60 003 elements: split across cores, with a ragged vector tail.
        var x = Tensor.RandomNormal(new Random(6), 3f, 60_003);
        var y = Activations.Gelu(x);
        var xs = x.ToArray();
        OpReference.AssertUlps(xs.Select(v => v * ReferenceMath.NormalCdf(v)).ToArray(), y.Span, 0.6, "gelu");

        using var tape = Tape.Record();
        var leaf = x.Clone().RequireGrad();
        var grad = tape.Backward(Activations.Gelu(leaf), Tensor.Full(1f, x.ShapeArray)).Of(leaf);
        var exact = xs.Select(v => ReferenceMath.NormalCdf(v) + v * ReferenceMath.NormalDensity(v)).ToArray();
        // GELU' = Φ + xφ cancels near the minimum of GELU (x ≈ −0.75), so it is held to an absolute floor there.
        OpReference.AssertNear(exact, grad.Span, 2e-7, 1e-9, "gelu'");
    }

    // ---- JumpReLU ----

    [Fact]
    public void JumpReluGatesEachFeatureByItsThreshold()
    {
        var x = Tensor.FromArray(new float[] { 0.5f, 0.2f, -1f, 2f, 0.1f, 0.3f, -0.5f, 0.7f }, 2, 4);
        var theta = Tensor.FromArray(new float[] { 0.4f, 0.2f, -2f, 1f }, 4);
        // x > θ strictly: 0.2 at θ = 0.2 is closed; −1 > −2 passes unchanged (no ReLU).
        Assert.Equal(new float[] { 0.5f, 0, -1f, 2f, 0, 0.3f, -0.5f, 0 }, Activations.JumpRelu(x, theta).ToArray());
    }

    [Fact]
    public void JumpReluGradientFlowsThroughOpenGatesOnly()
    {
        var rng = new Random(7);
        var theta = Tensor.RandomUniform(rng, 0f, 1f, 6);
        var x = Tensor.RandomUniform(rng, -1f, 2f, 4, 6);
        var xs = x.Span;
        for (int i = 0; i < xs.Length; i++)
            if (Math.Abs(xs[i] - theta.Span[i % 6]) < 0.05f) xs[i] += 0.1f; // stay clear of the jump
        GradCheck.Check(t => Activations.JumpRelu(t[0], theta), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Activations.JumpRelu(t[0], theta), new[] { x });

        // The threshold receives no gradient even when it asks for one.
        var thetaLeaf = theta.Clone().RequireGrad();
        var xLeaf = x.Clone().RequireGrad();
        using var tape = Tape.Record();
        var grads = tape.Backward(Reductions.Sum(Activations.JumpRelu(xLeaf, thetaLeaf)));
        Assert.All(grads.Of(thetaLeaf).ToArray(), v => Assert.Equal(0f, v));
        for (int i = 0; i < xs.Length; i++) Assert.Equal(xs[i] > theta.Span[i % 6] ? 1f : 0f, grads.Of(xLeaf).Span[i]);
    }

    [Fact]
    public void JumpReluRejectsAThresholdOfTheWrongShape()
    {
        Assert.Throws<ArgumentException>(() => Activations.JumpRelu(Tensor.Zeros(2, 4), Tensor.Zeros(3)));
        Assert.Throws<ArgumentException>(() => Activations.JumpRelu(Tensor.Zeros(2, 4), Tensor.Zeros(2, 4)));
    }

    // ---- TopK ----

    [Fact]
    public void TopKKeepsTheLargestAndBreaksTiesByLowerIndex()
    {
        var x = Tensor.FromArray(new float[] { 1, 3, 3, 2, 3, -1, -1, -1, 0, -1 }, 2, 5);
        var y = Activations.TopK(x, 2);
        Assert.Equal(new float[] { 0, 3, 3, 0, 0, -1, 0, 0, 0, 0 }, y.ToArray()); // row 2 keeps 0 (index 3) and −1 at index 0
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, Activations.TopK(x, 0).ToArray());
        Assert.Equal(x.ToArray(), Activations.TopK(x, 5).ToArray());
    }

    [Fact]
    public void TopKMatchesSortingOnWideRows()
    {
        // Few distinct values, so ties are common and the lower-index rule is exercised at the cut.
        var rng = new Random(8);
        int rows = 40, f = 3000, k = 64;
        var x = Tensor.Empty(rows, f);
        for (int i = 0; i < x.Length; i++) x.Span[i] = rng.Next(-50, 50) / 8f;
        var y = Activations.TopK(x, k);
        for (int r = 0; r < rows; r++)
        {
            var row = x.Span.Slice(r * f, f).ToArray();
            var keep = Enumerable.Range(0, f).OrderByDescending(j => row[j]).ThenBy(j => j).Take(k).ToHashSet();
            for (int j = 0; j < f; j++) Assert.Equal(keep.Contains(j) ? row[j] : 0f, y[r, j]);
        }
    }

    [Fact]
    public void TopKGradientFlowsOnlyThroughKeptEntries()
    {
        // Distinct values spaced well beyond the finite-difference step, so the selection does not change under it.
        var rng = new Random(9);
        var x = Tensor.Empty(3, 8);
        for (int r = 0; r < 3; r++)
        {
            var perm = Enumerable.Range(0, 8).OrderBy(_ => rng.Next()).ToArray();
            for (int j = 0; j < 8; j++) x[r, j] = perm[j] * 0.25f - 1f;
        }
        GradCheck.Check(t => Activations.TopK(t[0], 3), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Activations.TopK(t[0], 3), new[] { x });
        Assert.Throws<ArgumentOutOfRangeException>(() => Activations.TopK(x, 9));
    }

    // ---- names ----

    [Theory]
    [InlineData("gelu", "gelu")]
    [InlineData("gelu_python", "gelu")]
    [InlineData("gelu_new", "gelu_tanh")]
    [InlineData("gelu_pytorch_tanh", "gelu_tanh")]
    [InlineData("gelu_fast", "gelu_tanh")]
    [InlineData("silu", "silu")]
    [InlineData("swish", "silu")]
    [InlineData("relu", "relu")]
    public void HuggingFaceNamesMapToTheirOps(string hfName, string op)
    {
        var x = ReferenceInput();
        Assert.Equal(Apply(op, x).ToArray(), Activations.ApplyByName(hfName, x).ToArray());
    }

    [Fact]
    public void UnknownActivationNameIsAnInputError()
    {
        var e = Assert.Throws<SfcInputException>(() => Activations.ByName("gelu_10"));
        Assert.Contains("'gelu_10'", e.Message);
    }

    private static Tensor AwayFrom(float kink, int seed, params int[] shape)
    {
        var t = Tensor.RandomNormal(new Random(seed), 1f, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
            if (Math.Abs(s[i] - kink) < 0.05f) s[i] = kink + (s[i] < kink ? -0.1f : 0.1f);
        return t;
    }
}
