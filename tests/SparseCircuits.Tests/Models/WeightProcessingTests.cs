using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>
/// TransformerLens weight processing checked by the identities that define it: folding norms and centring writing
/// weights leave the logits (and the PyTorch logits) unchanged, centring writing weights turns every residual-stream
/// activation into the original minus its d_model mean, centring the unembedding moves each position's logits by one
/// constant, folding value biases moves hook_z by exactly −b_V. Every check runs on all three fixture architectures.
/// </summary>
public class WeightProcessingTests
{
    private const double Tight = 1e-5;

    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    private static readonly WeightProcessingOptions FoldOnly = new(true, false, false);
    private static readonly WeightProcessingOptions CenterWritingOnly = new(false, true, false);
    private static readonly WeightProcessingOptions CenterUnembedOnly = new(false, false, true);
    private static readonly WeightProcessingOptions FoldValueBiasesOnly = new(false, false, false, FoldValueBiases: true);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void FoldingNormsLeavesLogitsEqualAndNormsBare(string arch)
    {
        var (model, ids, pytorchLogits) = Load(arch);
        var folded = WeightProcessing.Apply(model, FoldOnly);

        var logits = model.Forward(TokenBatch.Single(ids));
        var foldedLogits = folded.Forward(TokenBatch.Single(ids));
        Fixtures.AssertRelative(logits.Span, foldedLogits, Tight, $"{arch} folded vs original logits");
        Fixtures.AssertRelative(pytorchLogits, foldedLogits, 1e-4, $"{arch} folded vs PyTorch logits");

        bool layerNorm = !model.Config.UsesRmsNorm;
        var norms = folded.Weights.Blocks.SelectMany(b => new[] { b.Norm1, b.Norm2 }).Append(folded.Weights.FinalNorm);
        foreach (var n in norms)
        {
            Assert.All(n.Weight.ToArray(), g => Assert.Equal(1f, g));
            if (layerNorm) Assert.All(n.Bias!.ToArray(), b => Assert.Equal(0f, b));
            else Assert.Null(n.Bias);
        }
        Assert.True(folded.Config.Processing.FoldLayerNorm);
    }

    /// <summary>The MLP input site is the norm's output: after folding it is the bare normalised vector, so scaling it by
    /// the original gain and adding the original bias must give the original site.</summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void FoldedMlpInputIsTheBareNormalisedVector(string arch)
    {
        var (model, ids, _) = Load(arch);
        var folded = WeightProcessing.Apply(model, FoldOnly);
        var original = Sites(model, ids, SiteKind.MlpIn);
        var processed = Sites(folded, ids, SiteKind.MlpIn);
        for (int l = 0; l < model.Config.Layers; l++)
        {
            var norm = model.Weights.Blocks[l].Norm2;
            var rebuilt = Elementwise.Mul(processed[l], norm.Weight);
            if (norm.Bias is { } b) rebuilt = Elementwise.Add(rebuilt, b);
            Fixtures.AssertRelative(original[l].Span, rebuilt, Tight, $"{arch} mlp_in_{l}");
        }
    }

    /// <summary>TransformerLens semantics of the fold itself: RMSNorm folds are pure column scalings; LayerNorm folds also
    /// centre every reading row (Q, K, V, MLP in, W_U) over d_model.</summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void ReadingWeightsAreScaledAndCentredOnlyAfterLayerNorm(string arch)
    {
        var (model, _, _) = Load(arch);
        var folded = WeightProcessing.Apply(model, FoldOnly);
        for (int l = 0; l < model.Config.Layers; l++)
        {
            var before = model.Weights.Blocks[l];
            var after = folded.Weights.Blocks[l];
            var readers = new[]
            {
                (before.Attention.Q, after.Attention.Q, before.Norm1), (before.Attention.K, after.Attention.K, before.Norm1),
                (before.Attention.V, after.Attention.V, before.Norm1), (before.Mlp.In, after.Mlp.In, before.Norm2),
            };
            foreach (var (orig, proc, norm) in readers)
            {
                var scaled = Elementwise.Mul(orig, norm.Weight); // broadcast over the last (d_model) axis
                var expected = model.Config.UsesRmsNorm ? scaled : Elementwise.Sub(scaled, Reductions.Mean(scaled, -1, keepDim: true));
                Fixtures.AssertRelative(expected.Span, proc, Tight, $"{arch} layer {l} reading weight");
            }
            if (before.Mlp.Gate is { } gate)
                Fixtures.AssertRelative(Elementwise.Mul(gate, before.Norm2.Weight).Span, after.Mlp.Gate!, Tight, $"{arch} gate {l}");
        }
    }

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void CentringWritingWeightsCentresEveryResidualSite(string arch)
    {
        var (model, ids, _) = Load(arch);
        var centred = WeightProcessing.Apply(model, CenterWritingOnly);
        var tokens = TokenBatch.Single(ids);
        Fixtures.AssertRelative(model.Forward(tokens).Span, centred.Forward(tokens), Tight, $"{arch} centred vs original logits");

        if (model.Config.UsesRmsNorm)
        {
            // RMSNorm keeps the mean, so TransformerLens skips this step; so do we, and the config says so.
            Assert.False(centred.Config.Processing.CenterWritingWeights);
            Assert.Same(model.Weights.TokenEmbedding, centred.Weights.TokenEmbedding);
            return;
        }
        Assert.True(centred.Config.Processing.CenterWritingWeights);
        var original = ReadAll(model, ids);
        var processed = ReadAll(centred, ids);
        double largestOriginalMean = 0;
        foreach (var site in Site.DictionarySites(model.Config))
        {
            var o = original[site.Name];
            var p = processed[site.Name];
            largestOriginalMean = Math.Max(largestOriginalMean, MaxAbsRowMean(o));
            double scale = Math.Max(1, o.Span.ToArray().Max(Math.Abs));
            Assert.True(MaxAbsRowMean(p) <= Tight * scale, $"{arch} {site.Name}: mean over d_model {MaxAbsRowMean(p):G3}");
            var expected = Elementwise.Sub(o, Reductions.Mean(o, -1, keepDim: true));
            Fixtures.AssertRelative(expected.Span, p, Tight, $"{arch} {site.Name} = original minus its mean");
        }
        Assert.True(largestOriginalMean > 1e-3, $"{arch}: the unprocessed sites were already centred ({largestOriginalMean:G3})");
    }

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void CentringTheUnembeddingShiftsEachPositionsLogitsByOneConstant(string arch)
    {
        var (model, ids, _) = Load(arch);
        var centred = WeightProcessing.Apply(model, CenterUnembedOnly);
        var tokens = TokenBatch.Single(ids);
        var before = model.Forward(tokens);
        var after = centred.Forward(tokens);
        Fixtures.AssertRelative(SoftmaxOps.LogSoftmax(before).Span, SoftmaxOps.LogSoftmax(after), Tight, $"{arch} log-softmax");

        var shift = Elementwise.Sub(after, before);
        double scale = before.Span.ToArray().Max(Math.Abs), largestShift = 0;
        int v = model.Config.VocabSize;
        for (int p = 0; p < ids.Length; p++)
        {
            var row = shift.Span.Slice(p * v, v).ToArray();
            Assert.True(row.Max() - row.Min() <= 2 * Tight * scale, $"{arch} position {p}: shift not constant ({row.Min()}..{row.Max()})");
            largestShift = Math.Max(largestShift, Math.Abs(row[0]));
        }
        Assert.True(largestShift > 1e-4, $"{arch}: centring the unembedding changed nothing");

        var u = centred.Weights.Unembed;
        var columnMeans = Reductions.Mean(u, 0).ToArray();
        Assert.All(columnMeans, m => Assert.True(Math.Abs(m) <= 1e-6, $"{arch}: W_U column mean {m}"));
        if (centred.Weights.UnembedBias is { } b) Assert.True(Math.Abs(b.Span.ToArray().Average()) <= 1e-6);
    }

    /// <summary>Value biases: patterns sum to 1, so hook_z moves by exactly −b_V (each query head reads its KV group's
    /// bias) and nothing downstream changes.</summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void FoldingValueBiasesMovesHookZByMinusTheBias(string arch)
    {
        var (model, ids, _) = Load(arch);
        var folded = WeightProcessing.Apply(model, FoldValueBiasesOnly);
        var tokens = TokenBatch.Single(ids);
        Fixtures.AssertRelative(model.Forward(tokens).Span, folded.Forward(tokens), Tight, $"{arch} logits");
        var zBefore = Sites(model, ids, SiteKind.AttnZ);
        var zAfter = Sites(folded, ids, SiteKind.AttnZ);
        var attnBefore = Sites(model, ids, SiteKind.Attn);
        var attnAfter = Sites(folded, ids, SiteKind.Attn);
        int heads = model.Config.Heads, d = model.Config.HeadDim, group = heads / model.Config.KvHeads;
        for (int l = 0; l < model.Config.Layers; l++)
        {
            Fixtures.AssertRelative(attnBefore[l].Span, attnAfter[l], Tight, $"{arch} attn_{l}");
            var vb = model.Weights.Blocks[l].Attention.VBias;
            var perHead = new float[heads * d];
            if (vb is not null)
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < d; i++) perHead[h * d + i] = vb[h / group * d + i];
            var restored = Elementwise.Add(zAfter[l], Tensor.FromArray(perHead, heads, d));
            Fixtures.AssertRelative(zBefore[l].Span, restored, Tight, $"{arch} hook_z {l} + b_V");
            if (vb is not null)
            {
                Assert.All(folded.Weights.Blocks[l].Attention.VBias!.ToArray(), x => Assert.Equal(0f, x));
                Assert.True(perHead.Max(Math.Abs) > 1e-4, $"{arch}: fixture value bias is zero, the test proves nothing");
            }
        }
    }

    /// <summary>All of TransformerLens's default processing: the distribution over next tokens is the PyTorch one, the
    /// loaded (memory-mapped) tensors are untouched, and the config records what was applied.</summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void TransformerLensPresetKeepsLogProbabilitiesAndLeavesTheOriginalUntouched(string arch)
    {
        var (model, ids, pytorchLogits) = Load(arch);
        var snapshot = model.Weights.Parameters().Select(t => (Tensor: t, Values: t.ToArray())).ToList();
        var processed = WeightProcessing.Apply(model, WeightProcessingOptions.TransformerLens);
        var loaded = ModelLoader.Load(Fixtures.ModelDir(arch), WeightProcessingOptions.TransformerLens);

        var tokens = TokenBatch.Single(ids);
        var expected = SoftmaxOps.LogSoftmax(Tensor.FromArray(pytorchLogits, 1, ids.Length, model.Config.VocabSize));
        var logProbs = SoftmaxOps.LogSoftmax(processed.Forward(tokens));
        Fixtures.AssertRelative(SoftmaxOps.LogSoftmax(model.Forward(tokens)).Span, logProbs, Tight, $"{arch} log-softmax vs original");
        Fixtures.AssertRelative(expected.Span, logProbs, 1e-4, $"{arch} log-softmax vs PyTorch");
        Assert.Equal(logProbs.ToArray(), SoftmaxOps.LogSoftmax(loaded.Forward(tokens)).ToArray());

        foreach (var (tensor, values) in snapshot) Assert.Equal(values, tensor.ToArray());
        var processedTensors = new HashSet<Tensor>(processed.Weights.Parameters(), ReferenceEqualityComparer.Instance);
        Assert.DoesNotContain(model.Weights.Unembed, processedTensors);
        Assert.DoesNotContain(model.Weights.Blocks[0].Attention.Q, processedTensors);

        var applied = processed.Config.Processing;
        Assert.Equal(applied, loaded.Config.Processing);
        Assert.Equal(new WeightProcessingOptions(true, !model.Config.UsesRmsNorm, true, true), applied);
        Assert.Equal(WeightProcessingOptions.None, model.Config.Processing);
        Assert.False(processed.Config.TiedEmbeddings);
        Assert.NotSame(processed.Weights.TokenEmbedding, processed.Weights.Unembed);
    }

    /// <summary>No fixture has grouped KV heads together with biases and LayerNorm, so a random model does: LayerNorm,
    /// parallel blocks, 4 query heads over 2 KV heads, every bias non-zero. The TransformerLens preset must keep the
    /// log-probabilities and move each query head's hook_z by its group's value bias (biases folded from ln1 included,
    /// so compare against a fold-only model).</summary>
    [Fact]
    public void GroupedKvHeadsWithBiasesFoldPerGroup()
    {
        var model = RandomModel(new Random(7));
        int[] ids = { 3, 1, 4, 1, 5, 9, 2, 6 };
        var tokens = TokenBatch.Single(ids);
        var processed = WeightProcessing.Apply(model, WeightProcessingOptions.TransformerLens);
        Fixtures.AssertRelative(SoftmaxOps.LogSoftmax(model.Forward(tokens)).Span, SoftmaxOps.LogSoftmax(processed.Forward(tokens)), Tight,
            "random GQA model log-softmax");

        var foldedOnly = WeightProcessing.Apply(model, FoldOnly);
        var zFolded = Sites(foldedOnly, ids, SiteKind.AttnZ);
        var zProcessed = Sites(processed, ids, SiteKind.AttnZ);
        int heads = model.Config.Heads, d = model.Config.HeadDim, group = heads / model.Config.KvHeads;
        for (int l = 0; l < model.Config.Layers; l++)
        {
            var vb = foldedOnly.Weights.Blocks[l].Attention.VBias!;
            var perHead = new float[heads * d];
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < d; i++) perHead[h * d + i] = vb[h / group * d + i];
            Fixtures.AssertRelative(zFolded[l].Span, Elementwise.Add(zProcessed[l], Tensor.FromArray(perHead, heads, d)), Tight, $"hook_z {l}");
        }
    }

    [SharedFact]
    public void NoProcessingReturnsTheLoadedModel()
    {
        var model = Fixtures.Model("tiny_gpt2");
        Assert.Same(model, WeightProcessing.Apply(model, WeightProcessingOptions.None));
        Assert.Equal("none", WeightProcessingOptions.None.ToString());
        Assert.Equal("fold_ln+center_writing_weights+center_unembed+fold_value_biases", WeightProcessingOptions.TransformerLens.ToString());
    }

    private static (Transformer Model, int[] Ids, float[] PyTorchLogits) Load(string arch)
    {
        using var expected = Fixtures.Expected(arch);
        var root = expected.RootElement;
        return (Fixtures.Model(arch), Fixtures.Ints(root.GetProperty("ids")), Fixtures.Matrix(root.GetProperty("logits")));
    }

    /// <summary>A 2-layer GPT-NeoX-style model (LayerNorm, parallel residual, partial rotary) with grouped KV heads and
    /// random non-trivial norm gains and biases.</summary>
    private static Transformer RandomModel(Random rng)
    {
        const int dm = 24, heads = 4, kv = 2, hd = 6, mlp = 40, vocab = 11;
        var config = new ModelConfig
        {
            Architecture = Architecture.GptNeoX, DModel = dm, Layers = 2, Heads = heads, KvHeads = kv, HeadDim = hd, DMlp = mlp,
            VocabSize = vocab, MaxPositions = 16, NormEpsilon = 1e-5f, Activation = "gelu", ParallelResidual = true, RotaryDim = 4,
        };
        Tensor R(params int[] shape) => Tensor.RandomNormal(rng, 0.3f, shape);
        NormWeights Norm() => new(Elementwise.AddScalar(R(dm), 1f), R(dm));
        var blocks = Enumerable.Range(0, 2).Select(_ => new BlockWeights(
            Norm(),
            new AttentionWeights(R(heads * hd, dm), R(heads * hd), R(kv * hd, dm), R(kv * hd), R(kv * hd, dm), R(kv * hd), R(dm, heads * hd), R(dm)),
            Norm(),
            new MlpWeights(R(mlp, dm), R(mlp), null, R(dm, mlp), R(dm)))).ToList();
        return new Transformer(config, new TransformerWeights(R(vocab, dm), null, blocks, Norm(), R(vocab, dm), R(vocab)));
    }

    private static Dictionary<string, Tensor> ReadAll(Transformer model, int[] ids)
    {
        var seen = new Dictionary<string, Tensor>();
        var hooks = new ForwardHooks();
        foreach (var site in Site.DictionarySites(model.Config))
        {
            var name = site.Name;
            hooks.Read(name, a => seen[name] = a.Clone());
        }
        model.Forward(TokenBatch.Single(ids), hooks);
        return seen;
    }

    /// <summary>The activation of <paramref name="kind"/> at every layer.</summary>
    private static Tensor[] Sites(Transformer model, int[] ids, SiteKind kind)
    {
        var found = new Tensor[model.Config.Layers];
        var hooks = new ForwardHooks();
        for (int l = 0; l < found.Length; l++)
        {
            int layer = l;
            hooks.Read(new Site(kind, l).Name, a => found[layer] = a.Clone());
        }
        model.Forward(TokenBatch.Single(ids), hooks);
        return found;
    }

    private static double MaxAbsRowMean(Tensor t)
    {
        int cols = t.Columns;
        double worst = 0;
        for (int r = 0; r < t.Rows; r++)
        {
            double sum = 0;
            foreach (var x in t.Span.Slice(r * cols, cols)) sum += x;
            worst = Math.Max(worst, Math.Abs(sum / cols));
        }
        return worst;
    }
}
