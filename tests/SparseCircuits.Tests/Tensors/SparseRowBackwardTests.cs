using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Tests.Tensors;

/// <summary>
/// Linear's input gradient multiplies only the nonzero rows of the incoming gradient when most rows are zero (K seeds
/// each placed at one position): the result must be the full product g·W, checked against float64 sums, for both
/// weight layouts and with some seeds entirely zero.
/// </summary>
public class SparseRowBackwardTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MostlyZeroSeedsGiveTheFullInputGradient(bool weightIsInOut)
    {
        var rng = new Random(weightIsInOut ? 3 : 4);
        int b = 2, s = 7, inDim = 24, outDim = 40, k = 6;
        var x = Tensor.RandomNormal(rng, 1f, b, s, inDim).RequireGrad();
        var w = Tensor.RandomNormal(rng, 1f, weightIsInOut ? [inDim, outDim] : [outDim, inDim]);
        var seeds = Tensor.Zeros(k, b, s, outDim);
        for (int n = 0; n < k; n++)
        {
            if (n == 3) continue; // an all-zero seed
            int row = (n * 5) % (b * s);
            for (int o = 0; o < outDim; o++) seeds[n, row / s, row % s, o] = (float)(rng.NextDouble() - 0.5);
        }
        Gradients grads;
        using (var tape = Tape.Record())
        {
            var y = MatMul.Linear(x, w, null, weightIsInOut);
            grads = tape.BackwardBatched(y, seeds);
        }
        var gx = grads.Batched(x)!;
        for (int n = 0; n < k; n++)
            for (int r = 0; r < b * s; r++)
                for (int i = 0; i < inDim; i++)
                {
                    double want = 0;
                    for (int o = 0; o < outDim; o++)
                        want += (double)seeds.Span[(n * b * s + r) * outDim + o] * (weightIsInOut ? w[i, o] : w[o, i]);
                    Assert.True(Math.Abs(gx.Span[(n * b * s + r) * inDim + i] - want) <= 1e-5 * (1 + Math.Abs(want)), $"seed {n} row {r} input {i}");
                }
    }
}
