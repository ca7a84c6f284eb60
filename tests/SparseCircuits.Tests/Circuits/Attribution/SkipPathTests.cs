using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// Edges computed without a backward pass rest on <see cref="EdgeType.IsSkipPath"/>: for those edge types the
/// vector-Jacobian product through the block, with the type's stop-gradients, must return the seed unchanged, and for
/// every other type it must not. Checked by backpropagating a random seed through each fixture's blocks.
/// </summary>
public class SkipPathTests
{
    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void SkipPathTypesAreExactlyTheIdentityTypes(string arch)
    {
        var model = Fixtures.Model(arch);
        var rng = new Random(3);
        var ids = Enumerable.Range(0, 8).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        int skip = 0;
        foreach (var type in EdgeType.ForModel(model.Config))
        {
            var inputs = new Dictionary<string, Tensor>();
            var hooks = new ForwardHooks();
            hooks.Read(new Site(SiteKind.ResidPre, type.Layer).Name, x => inputs["in"] = x);
            hooks.Read(type.Upstream.Name, x => inputs["up"] = x);
            using (Tape.NoGrad()) model.ResidualStream(new TokenBatch(ids, 2, 4), hooks, upToLayer: type.Layer);

            var leaf = inputs["up"].Clone();
            var seed = Tensor.RandomNormal(rng, 1f, 1, 2, 4, model.Config.DModel);
            Gradients grads;
            using (var tape = Tape.Record())
            {
                leaf.RequireGrad();
                Tensor? down = null;
                var run = new ForwardHooks().Read(type.Downstream.Name, y => down = y);
                bool inBlock = type.Upstream.Kind is SiteKind.Attn or SiteKind.Mlp;
                if (inBlock) run.Replace(type.Upstream.Name, _ => leaf);
                model.Block(type.Layer, inBlock ? inputs["in"] : leaf, run);
                grads = tape.Backward([down!], [seed], new GradHooks().Stop(type.Stops.Select(s => s.Name)));
            }
            var g = grads.Batched(leaf)?.ToArray() ?? new float[seed.Length];
            bool identity = g.SequenceEqual(seed.ToArray());
            Assert.True(identity == type.IsSkipPath, $"{arch} {type.Key} [{string.Join(", ", type.Stops)}]: identity {identity}, IsSkipPath {type.IsSkipPath}");
            if (identity) skip++;
        }
        Assert.Equal(3 * model.Config.Layers, skip); // MR, AR and RR of every layer
    }
}
