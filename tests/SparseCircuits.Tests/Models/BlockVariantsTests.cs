using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>
/// The block forms used to run a model above an intervention: a substituted attention or MLP output gives the block
/// the result a replacing hook gives, without computing the substituted part; the last-position form equals the last
/// row of the full block.
/// </summary>
public class BlockVariantsTests
{
    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void SubstitutedOutputsAreNotComputedAndGiveTheReplacedResult(string arch)
    {
        var model = Fixtures.Model(arch);
        var x = Input(model, 3, 5);
        int layer = model.Config.Layers - 1;
        var attn = Tensor.RandomNormal(new Random(7), 1f, 3, 5, model.Config.DModel);
        var mlp = Tensor.RandomNormal(new Random(8), 1f, 3, 5, model.Config.DModel);
        bool attentionRan = false, mlpRan = false;
        var substituted = new ForwardHooks()
            .Substitute(Site.AttnOut(layer).Name, attn)
            .Substitute(Site.MlpOut(layer).Name, mlp)
            .Read(new Site(SiteKind.AttnPattern, layer).Name, _ => attentionRan = true);
        using var _ = Tape.NoGrad();
        var fast = model.Block(layer, x, substituted);
        var replaced = model.Block(layer, x, new ForwardHooks()
            .Replace(Site.AttnOut(layer).Name, a => { attentionRan = true; return attn; })
            .Replace(Site.MlpOut(layer).Name, m => { mlpRan = true; return mlp; }));
        Assert.True(attentionRan && mlpRan); // the replacing hooks did see computed outputs
        attentionRan = false;
        model.Block(layer, x, substituted);
        Assert.False(attentionRan);
        Assert.Equal(replaced.ToArray(), fast.ToArray());
    }

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void LastPositionFormIsTheLastRowOfTheBlock(string arch)
    {
        var model = Fixtures.Model(arch);
        int b = 3, s = 6, d = model.Config.DModel, layer = 1;
        var x = Input(model, b, s);
        using var _ = Tape.NoGrad();
        var full = model.Block(layer, x).ToArray();
        var last = model.BlockLastPosition(layer, x);
        Assert.Equal([b, 1, d], last.ShapeArray);
        for (int e = 0; e < b; e++)
            for (int i = 0; i < d; i++)
            {
                float want = full[(e * s + s - 1) * d + i];
                Assert.True(Math.Abs(last[e, 0, i] - want) <= 1e-5f * (1 + Math.Abs(want)), $"example {e} coordinate {i}");
            }
    }

    private static Tensor Input(Transformer model, int b, int s)
    {
        var rng = new Random(11);
        var ids = Enumerable.Range(0, b * s).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        using var _ = Tape.NoGrad();
        return model.ResidualStream(new TokenBatch(ids, b, s), upToLayer: 0);
    }
}
