using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class IndexingTests
{
    private const string File = "attn_indexing.json";

    private static Tensor R(int seed, params int[] shape) => Tensor.RandomNormal(new Random(seed), 1f, shape);

    [Fact]
    public void EmbeddingMatchesPyTorch()
    {
        var c = AttnReference.Case(File, "embedding");
        var table = c.Tensor("table").RequireGrad();
        using var tape = Tape.Record();
        var y = Indexing.Embedding(table, c.Ints("ids"), c.Ints("prefix"));
        Assert.Equal(c.Tensor("y").ShapeArray, y.ShapeArray);
        Assert.Equal(c.Tensor("y").ToArray(), y.ToArray());
        // Repeated ids (3 appears three times) add their gradients.
        GradCheck.AssertClose(c.Tensor("grad_table").Span, tape.Backward(y, c.Tensor("r")).Of(table).Span, 1e-6, "grad table");
    }

    [Fact]
    public void GatherRowsMatchesPyTorch()
    {
        var c = AttnReference.Case(File, "gather_rows");
        var x = c.Tensor("x").RequireGrad();
        using var tape = Tape.Record();
        var y = Indexing.GatherRows(x, c.Ints("rows"));
        Assert.Equal(c.Tensor("y").ToArray(), y.ToArray());
        GradCheck.AssertClose(c.Tensor("grad_x").Span, tape.Backward(y, c.Tensor("r")).Of(x).Span, 1e-6, "grad x");
    }

    [Fact]
    public void ScatterRowsMatchesPyTorchAndLeavesItsInputAlone()
    {
        var c = AttnReference.Case(File, "scatter_rows");
        var dst = c.Tensor("dst").RequireGrad();
        var src = c.Tensor("src").RequireGrad();
        var before = dst.ToArray();
        using var tape = Tape.Record();
        var y = Indexing.ScatterRows(dst, c.Ints("rows"), src);
        Assert.Equal(c.Tensor("y").ToArray(), y.ToArray());
        Assert.Equal(before, dst.ToArray());
        var grads = tape.Backward(y, c.Tensor("r"));
        GradCheck.AssertClose(c.Tensor("grad_dst").Span, grads.Of(dst).Span, 1e-6, "grad dst");
        GradCheck.AssertClose(c.Tensor("grad_src").Span, grads.Of(src).Span, 1e-6, "grad src");
    }

    [Fact]
    public void GatherColumnsMatchesPyTorch()
    {
        var c = AttnReference.Case(File, "gather_columns");
        var x = c.Tensor("x").RequireGrad();
        using var tape = Tape.Record();
        var y = Indexing.GatherColumns(x, c.Ints("cols"));
        Assert.Equal(c.Tensor("y").ShapeArray, y.ShapeArray);
        Assert.Equal(c.Tensor("y").ToArray(), y.ToArray());
        GradCheck.AssertClose(c.Tensor("grad_x").Span, tape.Backward(y, c.Tensor("r")).Of(x).Span, 1e-6, "grad x");
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        int[] ids = { 4, 0, 4, 2, 6, 1 };
        GradCheck.Check(t => Indexing.Embedding(t[0], ids, 2, 3), new[] { R(1, 7, 3) });
        GradCheck.BatchedEqualsSeparate(t => Indexing.Embedding(t[0], ids, 2, 3), new[] { R(1, 7, 3) });

        int[] rows = { 3, 3, 0 };
        GradCheck.Check(t => Indexing.GatherRows(t[0], rows), new[] { R(2, 5, 2, 3) });
        GradCheck.BatchedEqualsSeparate(t => Indexing.GatherRows(t[0], rows), new[] { R(2, 5, 2, 3) });

        int[] replaced = { 2, 0 };
        var scatterInputs = new[] { R(3, 4, 3), R(4, 2, 3) };
        GradCheck.Check(t => Indexing.ScatterRows(t[0], replaced, t[1]), scatterInputs);
        GradCheck.BatchedEqualsSeparate(t => Indexing.ScatterRows(t[0], replaced, t[1]), scatterInputs);

        int[] cols = { 4, 1, 4 };
        GradCheck.Check(t => Indexing.GatherColumns(t[0], cols), new[] { R(5, 2, 3, 5) });
        GradCheck.BatchedEqualsSeparate(t => Indexing.GatherColumns(t[0], cols), new[] { R(5, 2, 3, 5) });
    }

    [Fact]
    public void EmbeddingDefaultsToOneRowPerId()
    {
        var table = Tensor.FromArray(new float[] { 0, 1, 10, 11, 20, 21 }, 3, 2);
        var y = Indexing.Embedding(table, new[] { 2, 0 });
        Assert.Equal(new[] { 2, 2 }, y.ShapeArray);
        Assert.Equal(new float[] { 20, 21, 0, 1 }, y.ToArray());
    }

    [Fact]
    public void OutOfRangeIndicesAreNamed()
    {
        var table = R(6, 5, 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.Embedding(table, new[] { 1, 5 }));
        Assert.Contains("Token id 5", e.Message);
        Assert.Contains("position 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.Embedding(table, new[] { -1 }));
        Assert.Throws<ArgumentException>(() => Indexing.Embedding(table, new[] { 1, 2, 3 }, 2, 2));
        Assert.Contains("7", Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.GatherRows(table, new[] { 7 })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.GatherColumns(table, new[] { 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.ScatterRows(table, new[] { 5 }, R(7, 1, 2)));
        Assert.Throws<ArgumentException>(() => Indexing.ScatterRows(table, new[] { 1, 1 }, R(8, 2, 2)));
        Assert.Throws<ArgumentException>(() => Indexing.ScatterRows(table, new[] { 1 }, R(9, 1, 3)));
    }
}
