using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

/// <summary>Exact semantics of the tape, seeds and hooks, on y = Σ w ⊙ (3·h)², h = x + b (so every gradient has a
/// closed form written out below).</summary>
public class AutogradTests
{
    private static (Tensor x, Tensor b, Tensor w) Inputs() => (
        Tensor.FromArray(new float[] { 1, -2, 3, 0.5f }, 4).RequireGrad(),
        Tensor.FromArray(new float[] { 0.5f, 1, -1, 2 }, 4).RequireGrad(),
        Tensor.FromArray(new float[] { 2, 1, 0.5f, -1 }, 4));

    /// <summary>y = Σ w·(3h)² with a hook point "h" at h = x + b.</summary>
    private static Tensor Forward(Tensor x, Tensor b, Tensor w, ForwardHooks? hooks = null)
    {
        var h = HookPoint.Apply(Elementwise.Add(x, b), "h", hooks);
        var z = Elementwise.Scale(h, 3f);
        return Reductions.Sum(Elementwise.Mul(Elementwise.Mul(z, z), w));
    }

    /// <summary>∂y/∂h = 18·w·h.</summary>
    private static float[] GradH(Tensor x, Tensor b, Tensor w) =>
        Enumerable.Range(0, 4).Select(i => 18f * w[i] * (x[i] + b[i])).ToArray();

    [Fact]
    public void ScalarBackwardMatchesClosedForm()
    {
        var (x, b, w) = Inputs();
        using var tape = Tape.Record();
        var y = Forward(x, b, w);
        var g = tape.Backward(y);
        Assert.Equal(GradH(x, b, w), g.Of(x).ToArray());
        Assert.Equal(GradH(x, b, w), g.Of(b).ToArray());
        Assert.Null(g.Batched(w)); // w does not require a gradient
    }

    [Fact]
    public void GraphIsRetainedForRepeatedBackward()
    {
        var (x, b, w) = Inputs();
        using var tape = Tape.Record();
        var y = Forward(x, b, w);
        var first = tape.Backward(y).Of(x).ToArray();
        var second = tape.Backward(y).Of(x).ToArray();
        Assert.Equal(first, second);
    }

    [Fact]
    public void ReadHookSeesTheGradientArriving()
    {
        var (x, b, w) = Inputs();
        float[]? seen = null;
        using var tape = Tape.Record();
        var y = Forward(x, b, w);
        var g = tape.Backward(y, new GradHooks().Read("h", gh => seen = gh.ToArray()));
        Assert.Equal(GradH(x, b, w), seen);
        Assert.Equal(GradH(x, b, w), g.Of(x).ToArray()); // reading does not change what flows on
    }

    [Fact]
    public void StopHookEndsTheGradient()
    {
        var (x, b, w) = Inputs();
        float[]? seen = null;
        using var tape = Tape.Record();
        var y = Forward(x, b, w);
        // Read before stop: the gradient at the point is still observed (how error-node gradients are read).
        var g = tape.Backward(y, new GradHooks().Read("h", gh => seen = gh.ToArray()).Stop("h"));
        Assert.Equal(GradH(x, b, w), seen);
        Assert.Null(g.Batched(x));
        Assert.Null(g.Batched(b));
    }

    [Fact]
    public void ReplaceHookSubstitutesTheGradient()
    {
        var (x, b, w) = Inputs();
        using var tape = Tape.Record();
        var y = Forward(x, b, w);
        var g = tape.Backward(y, new GradHooks().Replace("h", gh => Tensor.Full(7f, gh.ShapeArray)));
        Assert.Equal(new float[] { 7, 7, 7, 7 }, g.Of(x).ToArray());
    }

    [Fact]
    public void DetachedTensorIsConstant()
    {
        var (x, b, w) = Inputs();
        using var tape = Tape.Record();
        var h = Elementwise.Add(x, b);
        // y = Σ h·stop(h): the gradient is stop(h) = h, not 2h.
        var y = Reductions.Sum(Elementwise.Mul(h, h.Detach()));
        var g = tape.Backward(y);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => x[i] + b[i]).ToArray(), g.Of(x).ToArray());
    }

    [Fact]
    public void ForwardHooksReadAndReplaceActivations()
    {
        var (x, b, w) = Inputs();
        float[]? read = null;
        var hooks = new ForwardHooks()
            .Read("h", a => read = a.ToArray())
            .Replace("h", a => Elementwise.Scale(a, 0f));
        using var tape = Tape.Record();
        var y = Forward(x, b, w, hooks);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => x[i] + b[i]).ToArray(), read);
        Assert.Equal(0f, y.ToFloat());
        Assert.Equal(new float[4], tape.Backward(y).Of(x).ToArray()); // h replaced by 0·h: zero gradient
    }

    [Fact]
    public void BatchedSeedsEqualSeparatePasses()
    {
        var (x, b, w) = Inputs();
        using var tape = Tape.Record();
        var h = HookPoint.Apply(Elementwise.Add(x, b), "h", null);
        var v = Elementwise.Mul(Elementwise.Mul(h, h), w); // vector output, 4 entries
        var seeds = Tensor.FromArray(new float[] { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1 }, 3, 4);
        var batched = tape.BackwardBatched(v, seeds).Batched(x)!;
        Assert.Equal(new[] { 3, 4 }, batched.ShapeArray);
        for (int k = 0; k < 3; k++)
            Assert.Equal(tape.Backward(v, seeds.Select(k).Clone()).Of(x).ToArray(), batched.Select(k).ToArray());
        // Row 0 is the Jacobian row of v[0]: 2·w0·h0 at entry 0, zero elsewhere.
        Assert.Equal(new[] { 2 * w[0] * (x[0] + b[0]), 0, 0, 0 }, batched.Select(0).ToArray());
    }

    [Fact]
    public void NothingIsRecordedWithoutNeedOrUnderNoGrad()
    {
        var (x, b, w) = Inputs();
        using var tape = Tape.Record();
        Forward(x.Detach(), b.Detach(), w);
        Assert.Equal(0, tape.NodeCount);
        using (Tape.NoGrad())
        {
            var y = Forward(x, b, w);
            Assert.False(y.RequiresGrad);
        }
        Assert.Equal(0, tape.NodeCount);
        Forward(x, b, w);
        Assert.True(tape.NodeCount > 0);
    }

    [Fact]
    public void NoTapeRecordsNothing()
    {
        var (x, b, w) = Inputs();
        var y = Forward(x, b, w);
        Assert.False(y.RequiresGrad);
    }
}
