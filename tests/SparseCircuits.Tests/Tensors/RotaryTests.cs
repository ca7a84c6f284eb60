using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

public class RotaryTests
{
    private const string File = "attn_rotary.json";

    private static Tensor R(int seed, params int[] shape) => Tensor.RandomNormal(new Random(seed), 1f, shape);

    [Theory]
    [InlineData("neox_partial")]
    [InlineData("gptj_partial")]
    [InlineData("llama_full_offset")]
    [InlineData("adjacent_full_offset")]
    [InlineData("large_positions")]
    [InlineData("large_positions_adjacent")]
    public void MatchesPyTorch(string name)
    {
        var c = AttnReference.Case(File, name);
        var style = Enum.Parse<RotaryStyle>(c.String("style"));
        var x = c.Tensor("x").RequireGrad();
        using var tape = Tape.Record();
        var y = Rotary.Apply(x, c.Int("rotary_dim"), c.Number("base"), style, c.Int("offset"));
        // Angles are rounded to float32 as in Hugging Face, so even at position 4000 the results agree to an ulp or so.
        GradCheck.AssertClose(c.Tensor("y").Span, y.Span, 1e-6, "y");
        var grads = tape.Backward(y, c.Tensor("r"));
        GradCheck.AssertClose(c.Tensor("grad_x").Span, grads.Of(x).Span, 1e-6, "grad x");
    }

    [Theory]
    [InlineData(RotaryStyle.RotateHalf)]
    [InlineData(RotaryStyle.AdjacentPairs)]
    public void GradientsMatchFiniteDifferences(RotaryStyle style)
    {
        var x = R(1, 2, 4, 4, 6);
        GradCheck.Check(t => Rotary.Apply(t[0], 4, 10000, style, positionOffset: 3), new[] { x });
        GradCheck.BatchedEqualsSeparate(t => Rotary.Apply(t[0], 4, 10000, style, positionOffset: 3), new[] { x });
    }

    [Theory]
    [InlineData(RotaryStyle.RotateHalf)]
    [InlineData(RotaryStyle.AdjacentPairs)]
    public void ScoresDependOnlyOnRelativePosition(RotaryStyle style)
    {
        // <R_m q, R_n k> = <q, R_{n−m} k>: shifting every position by the same offset leaves all q·k scores unchanged,
        // pass-through dimensions are copied, and the rotation keeps each pair's norm.
        const int s = 6, d = 10, rd = 8;
        var q = R(2, 1, s, 1, d);
        var k = R(3, 1, s, 1, d);
        var q0 = Rotary.Apply(q, rd, 10000, style);
        var k0 = Rotary.Apply(k, rd, 10000, style);
        var q9 = Rotary.Apply(q, rd, 10000, style, positionOffset: 9);
        var k9 = Rotary.Apply(k, rd, 10000, style, positionOffset: 9);
        for (int i = 0; i < s; i++)
        {
            for (int j = 0; j < s; j++)
            {
                double a = 0, b = 0;
                for (int e = 0; e < d; e++)
                {
                    a += (double)q0[0, i, 0, e] * k0[0, j, 0, e];
                    b += (double)q9[0, i, 0, e] * k9[0, j, 0, e];
                }
                Assert.Equal(a, b, 4);
            }
            for (int e = rd; e < d; e++) Assert.Equal(q[0, i, 0, e], q9[0, i, 0, e]);
            double before = 0, after = 0;
            for (int e = 0; e < rd; e++)
            {
                before += (double)q[0, i, 0, e] * q[0, i, 0, e];
                after += (double)q9[0, i, 0, e] * q9[0, i, 0, e];
            }
            Assert.Equal(before, after, 4);
        }
        // Position 0 is not rotated.
        Assert.Equal(q.Select(0).Select(0).ToArray(), q0.Select(0).Select(0).ToArray());
    }

    [Fact]
    public void AdjacentPairsIsRotateHalfWithInterleavedDimensions()
    {
        // Permuting dims (0, 2, 4, 6, 1, 3, 5, 7) → (0..7) turns adjacent pairs into half pairs (the llama2.c → HF
        // conversion of q/k weights), so both conventions must agree after the permutation.
        const int rd = 8;
        int[] perm = { 0, 2, 4, 6, 1, 3, 5, 7 };
        var x = R(4, 2, 5, 3, rd);
        var xHalf = Tensor.Empty(x.ShapeArray);
        for (int r = 0; r < x.Rows; r++)
        for (int e = 0; e < rd; e++) xHalf.Span[r * rd + e] = x.Span[r * rd + perm[e]];
        var adjacent = Rotary.Apply(x, rd, 10000, RotaryStyle.AdjacentPairs, 2);
        var half = Rotary.Apply(xHalf, rd, 10000, RotaryStyle.RotateHalf, 2);
        for (int r = 0; r < x.Rows; r++)
        for (int e = 0; e < rd; e++) Assert.Equal(adjacent.Span[r * rd + perm[e]], half.Span[r * rd + e]);
    }

    [Fact]
    public void CachedTablesGrowWithoutChangingEarlierPositions()
    {
        var x = R(5, 1, 3, 1, 4);
        var early = Rotary.Apply(x, 4, 12345, positionOffset: 10);
        Rotary.Apply(R(6, 1, 300, 1, 4), 4, 12345); // grows the cached table
        Assert.Equal(early.ToArray(), Rotary.Apply(x, 4, 12345, positionOffset: 10).ToArray());
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var x = R(7, 1, 2, 1, 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rotary.Apply(x, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rotary.Apply(x, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rotary.Apply(x, 4, positionOffset: -1));
        Assert.Throws<ArgumentException>(() => Rotary.Apply(R(8, 2, 6), 4));
    }
}
