using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class BasicOpGradientTests
{
    private static Tensor R(int seed, params int[] shape) => Tensor.RandomNormal(new Random(seed), 1f, shape);

    private static Tensor Positive(int seed, params int[] shape) => Tensor.RandomUniform(new Random(seed), 0.5f, 2f, shape);

    [Fact]
    public void AddSubMulDivSameShape()
    {
        var a = R(1, 3, 4);
        var b = Positive(2, 3, 4);
        GradCheck.Check(t => Elementwise.Add(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Sub(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Mul(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Div(t[0], t[1]), new[] { a, b });
    }

    [Fact]
    public void BroadcastOverLeadingDimensions()
    {
        var a = R(3, 2, 3, 5);
        var b = Positive(4, 5);
        GradCheck.Check(t => Elementwise.Add(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Add(t[1], t[0]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Sub(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Mul(t[1], t[0]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Div(t[0], t[1]), new[] { a, b });
    }

    [Fact]
    public void BroadcastOnePerRow()
    {
        var a = R(5, 2, 3, 4);
        var b = Positive(6, 2, 3, 1);
        GradCheck.Check(t => Elementwise.Mul(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Div(t[0], t[1]), new[] { a, b });
        GradCheck.Check(t => Elementwise.Sub(t[0], t[1]), new[] { a, b.View(2, 3) });
    }

    [Fact]
    public void BroadcastValuesAreRight()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, Elementwise.Add(a, Tensor.FromArray(new float[] { 10, 20, 30 }, 3)).ToArray());
        Assert.Equal(new float[] { 2, 4, 6, 40, 50, 60 }, Elementwise.Mul(a, Tensor.FromArray(new float[] { 2, 10 }, 2, 1)).ToArray());
    }

    [Fact]
    public void ScaleAndScalarAdd()
    {
        GradCheck.Check(t => Elementwise.Scale(t[0], -2.5f), new[] { R(7, 4, 3) });
        GradCheck.Check(t => Elementwise.AddScalar(t[0], 3f), new[] { R(8, 4, 3) });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LinearWithBias(bool weightIsInOut)
    {
        var x = R(9, 2, 3, 5);
        var w = weightIsInOut ? R(10, 5, 4) : R(10, 4, 5);
        var b = R(11, 4);
        GradCheck.Check(t => MatMul.Linear(t[0], t[1], t[2], weightIsInOut), new[] { x, w, b });
        GradCheck.BatchedEqualsSeparate(t => MatMul.Linear(t[0], t[1], t[2], weightIsInOut), new[] { x, w, b });
    }

    [Fact]
    public void LinearMatchesNaiveProduct()
    {
        var x = R(12, 3, 5);
        var w = R(13, 4, 5);
        var y = MatMul.Linear(x, w);
        for (int i = 0; i < 3; i++)
        for (int o = 0; o < 4; o++)
        {
            double acc = 0;
            for (int k = 0; k < 5; k++) acc += x[i, k] * w[o, k];
            Assert.Equal(acc, y[i, o], 4);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void BatchedMatMul(bool transA, bool transB)
    {
        var a = transA ? R(14, 2, 4, 3) : R(14, 2, 3, 4);
        var b = transB ? R(15, 2, 5, 4) : R(15, 2, 4, 5);
        GradCheck.Check(t => MatMul.Batched(t[0], t[1], transA, transB), new[] { a, b });
        GradCheck.BatchedEqualsSeparate(t => MatMul.Batched(t[0], t[1], transA, transB), new[] { a, b });
    }

    [Fact]
    public void Reductions()
    {
        var x = R(16, 2, 3, 4);
        GradCheck.Check(t => SparseCircuits.Tensors.Ops.Reductions.Sum(t[0]), new[] { x });
        GradCheck.Check(t => SparseCircuits.Tensors.Ops.Reductions.Mean(t[0]), new[] { x });
        for (int axis = 0; axis < 3; axis++)
        {
            int a = axis;
            GradCheck.Check(t => SparseCircuits.Tensors.Ops.Reductions.Sum(t[0], a), new[] { x });
            GradCheck.Check(t => SparseCircuits.Tensors.Ops.Reductions.Mean(t[0], a, keepDim: true), new[] { x });
        }
        var s = SparseCircuits.Tensors.Ops.Reductions.Sum(x, 1);
        Assert.Equal(x[1, 0, 2] + x[1, 1, 2] + x[1, 2, 2], s[1, 2], 5);
    }

    [Fact]
    public void ShapingOps()
    {
        var x = R(17, 2, 3, 4);
        GradCheck.Check(t => Shaping.Reshape(t[0], 6, -1), new[] { x });
        GradCheck.Check(t => Shaping.SliceRows(t[0], 1, 1), new[] { x });
        GradCheck.Check(t => Shaping.Permute(t[0], 2, 0, 1), new[] { x });
        GradCheck.Check(t => Shaping.Transpose(t[0], 1, 2), new[] { x });
        GradCheck.Check(t => Shaping.ConcatRows(t[0], t[1]), new[] { x, R(18, 1, 3, 4) });
        var p = Shaping.Permute(x, 2, 0, 1);
        Assert.Equal(new[] { 4, 2, 3 }, p.ShapeArray);
        Assert.Equal(x[1, 2, 3], p[3, 1, 2]);
    }
}
