using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// Edge seeds made from the active features only (<see cref="DownstreamSeeds"/>) equal what autograd gives by
/// differentiating ḡ_i·enc(y)_i and ⟨ḡ_e, y − dec(enc(y))⟩ through the dense encoder and decoder, for every SAE kind and
/// both weight layouts; and the error term taken from the activations (<see cref="SiteDelta.ErrorInner"/>) equals
/// ⟨g, Δε⟩ with the decoded errors.
/// </summary>
public class SparseEdgeSeedTests
{
    private const int B = 2, S = 3, D = 8, F = 40;
    private static readonly Site At = Site.ResidPost(0);

    public static TheoryData<string> Kinds() => ["relu", "relu-dictionary-learning", "jumprelu", "topk", "gated", "gated-in-out"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void SeedsEqualAutogradThroughTheDenseDictionary(string kind)
    {
        var rng = new Random(kind.GetHashCode() & 0xffff);
        var sae = Make(kind, rng);
        var clean = Tensor.RandomNormal(rng, 1f, B, S, D);
        var patch = Tensor.RandomNormal(rng, 1f, B, S, D);
        var node = RandomAttribution(sae, clean, patch, rng);
        var active = ActiveNodes(node.Delta);
        Assert.Contains(active, n => n.Index == F);

        var seeds = DownstreamSeeds.Compute(sae, node, active);

        Assert.NotNull(seeds);
        var expected = AutogradSeeds(sae, clean, node, active);
        for (int n = 0; n < active.Count; n++)
        {
            int row = active[n].Example * S + active[n].Position;
            for (int r = 0; r < B * S; r++)
                for (int i = 0; i < D; i++)
                {
                    float want = expected[(n * B * S + r) * D + i];
                    float got = r == row ? seeds![n * D + i] : 0f;
                    Assert.True(Math.Abs(got - want) <= 1e-5f * (1 + Math.Abs(want)), $"{kind}: node {active[n]} row {r} coordinate {i}: {got} vs {want}");
                }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ErrorTermFromActivationsEqualsTheDecodedErrors(string kind)
    {
        var rng = new Random(kind.Length * 31);
        var sae = Make(kind, rng);
        var delta = SiteDelta.Compute(At, sae, Tensor.RandomNormal(rng, 1f, B, S, D), Tensor.RandomNormal(rng, 1f, B, S, D));
        Assert.True(delta.ErrorFromActivations);
        var errorDelta = delta.ErrorDelta().ToArray(); // decodes
        var df = delta.FeatureDelta();
        var w = sae.DecoderWeight;
        for (int r = 0; r < B * S; r++)
        {
            var g = Tensor.RandomNormal(rng, 1f, D).ToArray();
            var idx = delta.Support.IndicesOf(r);
            int start = delta.Support.RowStart[r];
            var dots = new float[idx.Length];
            for (int e = 0; e < idx.Length; e++)
                for (int i = 0; i < D; i++) dots[e] += w[idx[e], i] * g[i];
            double want = 0, scale = 0;
            for (int i = 0; i < D; i++)
            {
                want += (double)g[i] * errorDelta[r * D + i];
                scale += Math.Abs(g[i] * errorDelta[r * D + i]);
            }
            double got = delta.ErrorInner(r, g, dots, df.AsSpan(start, idx.Length));
            Assert.True(Math.Abs(got - want) <= 1e-5 * (1 + scale), $"{kind} row {r}: {got} vs {want}");
        }
    }

    /// <summary>The gradient at y of Σ_n seed_n over K seeds in one batched backward pass through Encode and Decode.</summary>
    private static float[] AutogradSeeds(SparseAutoencoder sae, Tensor clean, NodeAttribution node, IReadOnlyList<ActiveNode> active)
    {
        var y = clean.Clone();
        Gradients grads;
        using (var tape = Tape.Record())
        {
            y.RequireGrad();
            var features = sae.Encode(y);
            var error = Elementwise.Sub(y, sae.Decode(features));
            int k = active.Count;
            var featureSeeds = Tensor.Zeros(k, B, S, F);
            var errorSeeds = Tensor.Zeros(k, B, S, D);
            var support = node.Delta.Support;
            for (int n = 0; n < k; n++)
            {
                int row = active[n].Example * S + active[n].Position;
                if (active[n].Index == F)
                {
                    node.ErrorGradient!.Span.Slice(row * D, D).CopyTo(errorSeeds.Span.Slice((n * B * S + row) * D, D));
                    continue;
                }
                int at = support.IndicesOf(row).IndexOf(active[n].Index);
                featureSeeds.Span[(n * B * S + row) * F + active[n].Index] = node.FeatureGradient![support.RowStart[row] + at];
            }
            grads = tape.Backward([features, error], [featureSeeds, errorSeeds]);
        }
        return grads.Batched(y)!.ToArray();
    }

    /// <summary>Node effects at the site with random step-averaged gradients (what edges are seeded from).</summary>
    private static NodeAttribution RandomAttribution(SparseAutoencoder sae, Tensor clean, Tensor patch, Random rng)
    {
        var delta = SiteDelta.Compute(At, sae, clean, patch);
        var featureGradient = Tensor.RandomNormal(rng, 1f, delta.Support.NonZeros).ToArray();
        return NodeAttribution.FromGradients(delta, featureGradient, Tensor.RandomNormal(rng, 1f, B, S, D));
    }

    /// <summary>Every support feature of rows 0, 2 and 5 (clean-active and patch-only ones) and every error node.</summary>
    private static List<ActiveNode> ActiveNodes(SiteDelta delta)
    {
        var nodes = new List<ActiveNode>();
        foreach (int row in new[] { 0, 2, 5 })
            foreach (int j in delta.Support.IndicesOf(row)) nodes.Add(new ActiveNode(row / S, row % S, j, 1f));
        for (int row = 0; row < B * S; row++) nodes.Add(new ActiveNode(row / S, row % S, F, 1f));
        return nodes;
    }

    private static SparseAutoencoder Make(string kind, Random rng)
    {
        Tensor R(params int[] shape) => Tensor.RandomNormal(rng, 0.5f, shape);
        var info = (string k) => new DictionaryInfo(k, At, At, "test");
        var bEnc = Tensor.RandomUniform(rng, -0.2f, 0.4f, F);
        return kind switch
        {
            "relu" => ReluSae.Create(At, R(D, F), bEnc, R(F, D), R(D)),
            "relu-dictionary-learning" => DictionaryLearningRelu(R(F, D), bEnc, R(D, F), R(D), info),
            "jumprelu" => JumpReluSae.Create(At, R(D, F), bEnc, R(F, D), R(D), Tensor.RandomUniform(rng, 0f, 0.3f, F)),
            "topk" => TopKSae.Create(At, R(D, F), bEnc, R(F, D), R(D), 7),
            "gated" => new GatedSae(info(GatedSae.KindName), new SaeWeights(R(F, D), false, null, R(F, D), R(D), R(D)),
                R(F), R(F), R(F)),
            "gated-in-out" => new GatedSae(info(GatedSae.KindName), new SaeWeights(R(D, F), true, null, LazyTranspose.Of(R(D, F)), R(D), R(D)),
                R(F), R(F), R(F)),
            _ => throw new ArgumentException(kind),
        };
    }

    /// <summary>dictionary_learning's layout: encoder [F, d] rows, decoder stored [d, F] (read through a lazy transpose),
    /// one shared bias subtracted before encoding and added after decoding.</summary>
    private static SparseAutoencoder DictionaryLearningRelu(Tensor encoder, Tensor bEnc, Tensor decoderStored, Tensor bias, Func<string, DictionaryInfo> info) =>
        new ReluSae(info(ReluSae.KindName), new SaeWeights(encoder, false, bEnc, LazyTranspose.Of(decoderStored), bias, bias));
}
