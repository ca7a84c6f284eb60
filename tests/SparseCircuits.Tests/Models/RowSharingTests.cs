using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>
/// Blocks run on the distinct rows of a batch whose copies share a prefix give what the full layout gives: the same
/// residual stream at every row, and the same gradient summed over each example's copies.
/// </summary>
public class RowSharingTests
{
    [Fact]
    public void SharedPrefixesMapCopiesToTheFirstCopysRows()
    {
        var sharing = RowSharing.SharedPrefixes(copies: 3, batch: 2, length: 4, sharedPrefix: [1, 3]);
        // copy 0: 8 rows; copies 1 and 2: 3 + 1 rows each.
        Assert.Equal(8 + 2 * 4, sharing.Unique);
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 24, 1);
        var expanded = sharing.Expand(sharing.Compress(x)).ToArray();
        // Row (copy c, sequence b, position p) reads copy 0's row below the prefix, its own row from there on.
        for (int c = 0; c < 3; c++)
            for (int b = 0; b < 2; b++)
                for (int p = 0; p < 4; p++)
                {
                    int row = (c * 2 + b) * 4 + p;
                    int source = p < new[] { 1, 3 }[b] ? b * 4 + p : row;
                    Assert.Equal(source, expanded[row]);
                }
    }

    [SharedTheory]
    [InlineData("tiny_gpt2", false)]
    [InlineData("tiny_gpt_neox", false)]
    [InlineData("tiny_llama", false)]
    [InlineData("tiny_gpt_neox", true)]
    [InlineData("tiny_llama", true)]
    public void BlocksOnSharedRowsEqualTheFullLayout(string arch, bool lastPosition)
    {
        var model = Fixtures.Model(arch);
        int copies = 3, batch = 2, s = 5, d = model.Config.DModel;
        int[] prefix = [2, 4];
        var full = CopiesWithSharedPrefix(model, copies, batch, s, prefix);
        var sharing = RowSharing.SharedPrefixes(copies, batch, s, prefix);
        int layers = model.Config.Layers;

        var (wantOut, wantGrad) = Run(full, x =>
        {
            for (int l = 0; l < layers; l++) x = lastPosition && l == layers - 1 ? model.BlockLastPosition(l, x) : model.Block(l, x);
            return x;
        });
        var (gotOut, gotGrad) = Run(full, x =>
        {
            var rows = sharing.Compress(x);
            for (int l = 0; l < layers; l++)
                rows = lastPosition && l == layers - 1 ? model.BlockLastPosition(l, rows, sharing: sharing) : model.Block(l, rows, sharing: sharing);
            return lastPosition ? rows : Shaping.Reshape(sharing.Expand(rows), copies * batch, s, d);
        });

        Assert.Equal(wantOut.Length, gotOut.Length);
        for (int i = 0; i < wantOut.Length; i++)
            Assert.True(Math.Abs(gotOut[i] - wantOut[i]) <= 1e-5f * (1 + Math.Abs(wantOut[i])), $"output {i}: {gotOut[i]} vs {wantOut[i]}");
        // Per example and position, the gradient summed over copies (a shared row carries the whole sum).
        for (int b = 0; b < batch; b++)
            for (int p = 0; p < s; p++)
                for (int i = 0; i < d; i++)
                {
                    double want = 0, got = 0;
                    for (int c = 0; c < copies; c++)
                    {
                        int at = (((c * batch) + b) * s + p) * d + i;
                        want += wantGrad[at];
                        got += gotGrad[at];
                    }
                    Assert.True(Math.Abs(got - want) <= 1e-4 * (1 + Math.Abs(want)), $"gradient b{b} p{p} i{i}: {got} vs {want}");
                }
    }

    /// <summary>Outputs, and the gradient at the input of Σ (output ⊙ fixed weights).</summary>
    private static (float[] Output, float[] Gradient) Run(Tensor input, Func<Tensor, Tensor> blocks)
    {
        var x = Tensor.FromSpan(input.Read(), input.ShapeArray).RequireGrad();
        using var tape = Tape.Record();
        var y = blocks(x);
        var weights = Tensor.RandomNormal(new Random(5), 1f, y.ShapeArray);
        var grads = tape.Backward(Reductions.Sum(Elementwise.Mul(y, weights)));
        return (y.ToArray(), grads.Of(x).ToArray());
    }

    /// <summary>[copies·batch, s, d] block inputs: copy c of example b equals copy 0 before position prefix[b] and is
    /// its own after.</summary>
    private static Tensor CopiesWithSharedPrefix(Transformer model, int copies, int batch, int s, int[] prefix)
    {
        var rng = new Random(3);
        var ids = Enumerable.Range(0, copies * batch * s).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        for (int c = 1; c < copies; c++)
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < prefix[b]; p++) ids[((c * batch) + b) * s + p] = ids[b * s + p];
        using var _ = Tape.NoGrad();
        return model.ResidualStream(new TokenBatch(ids, copies * batch, s), upToLayer: 0);
    }
}
