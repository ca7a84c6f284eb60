using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries.Quality;

/// <summary>
/// Measures dictionaries on a model over token contexts (<see cref="SiteQuality"/>). For each batch of contexts: one
/// clean forward pass reads every site a dictionary touches and gives CE_clean; each dictionary encodes and decodes its
/// site's clean activations (reconstruction statistics); then, one site at a time, the site's activation is replaced by
/// x̂ and by zeros (a plain forward replacement, every other site running normally) to give CE_spliced and CE_zero. A
/// residual-stream site is resumed from the next block, since nothing below it changes. All sums are float64 and
/// run in a fixed order.
/// </summary>
public static class SaeEvaluator
{
    /// <param name="dictionaries">Dictionaries keyed by the site they reconstruct (a transcoder's output site).</param>
    /// <param name="progress">Contexts done so far.</param>
    public static IReadOnlyList<SiteQuality> Evaluate(Transformer model, IReadOnlyDictionary<Site, IFeatureDictionary> dictionaries,
        IReadOnlyList<int[]> contexts, SaeEvalOptions? options = null, IProgress<int>? progress = null)
    {
        options ??= new SaeEvalOptions();
        if (dictionaries.Count == 0) throw new SfcInputException("--dictionaries: no dictionaries to evaluate");
        if (contexts.Count == 0) throw new SfcInputException("--corpus: no token contexts to evaluate on");
        int length = contexts[0].Length;
        if (length < 2) throw new SfcInputException("--context: evaluation needs contexts of at least 2 tokens");
        if (contexts.Any(c => c.Length != length)) throw new ArgumentException("All contexts must have the same length.");
        if (length > model.Config.MaxPositions)
            throw new SfcInputException($"--context: {length} tokens is more than the model's {model.Config.MaxPositions} positions");
        var sites = dictionaries.Keys.OrderBy(s => s.Order).ToArray();
        foreach (var site in sites) DictionarySet.CheckFits(dictionaries[site], model.Config, dictionaries[site].Info.Source);

        var stats = sites.ToDictionary(s => s, s => new ReconstructionStats(dictionaries[s].OutputDim, dictionaries[s].Width));
        var spliced = sites.ToDictionary(s => s, _ => new LossSum());
        var zeroed = sites.ToDictionary(s => s, _ => new LossSum());
        var clean = new LossSum();
        int total = Math.Min(contexts.Count, options.MaxContexts ?? int.MaxValue);
        int perForward = Math.Max(1, options.ContextsPerForward);
        using var _ = Tape.NoGrad();
        for (int start = 0; start < total; start += perForward)
        {
            int b = Math.Min(perForward, total - start);
            var ids = new int[b * length];
            for (int i = 0; i < b; i++) contexts[start + i].CopyTo(ids, i * length);
            var batch = new TokenBatch(ids, b, length);
            var targets = NextTokenTargets(batch);

            var captured = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var hooks = new ForwardHooks();
            foreach (var name in sites.SelectMany(s => new[] { s.Name, dictionaries[s].Info.InputSite.Name }).Distinct())
                hooks.Read(name, x => captured[name] = x);
            clean.Add(model.Forward(batch, hooks), targets);

            foreach (var site in sites)
            {
                var dictionary = dictionaries[site];
                var x = captured[dictionary.Info.InputSite.Name];
                var y = captured[site.Name];
                var xRows = x.View(x.Rows, dictionary.InputDim);
                var codes = dictionary.EncodeSparse(xRows);
                var reconstruction = dictionary.DecodeSparse(codes, xRows);
                stats[site].Add(y.Span, reconstruction.Span, codes);
                spliced[site].Add(RunWithReplacement(model, batch, site, reconstruction.View(y.ShapeArray)), targets);
                zeroed[site].Add(RunWithReplacement(model, batch, site, Tensor.Zeros(y.ShapeArray)), targets);
            }
            progress?.Report(start + b);
        }

        return sites.Select(site =>
        {
            var s = stats[site];
            double ceClean = clean.Mean, ceSpliced = spliced[site].Mean, ceZero = zeroed[site].Mean;
            double recovered = ceZero != ceClean ? (ceZero - ceSpliced) / (ceZero - ceClean) : double.NaN;
            return new SiteQuality(site.Name, dictionaries[site].Width, s.Tokens, s.L0, s.ExplainedVariance, s.Mse, recovered,
                s.DeadFraction, s.DenseFraction(options.DenseThreshold), ceClean, ceSpliced, ceZero);
        }).ToArray();
    }

    /// <summary>Logits with <paramref name="site"/>'s activation replaced by <paramref name="replacement"/>.</summary>
    private static Tensor RunWithReplacement(Transformer model, TokenBatch batch, Site site, Tensor replacement)
    {
        if (site.Kind == SiteKind.Resid)
        {
            // Below resid_L nothing changes: resume from block L + 1 on the replacement.
            var resid = replacement;
            for (int l = site.Layer + 1; l < model.Config.Layers; l++) resid = model.Block(l, resid);
            return model.Unembed(model.FinalNorm(resid));
        }
        var hooks = new ForwardHooks().Replace(site.Name, _ => replacement);
        return model.Forward(batch, hooks);
    }

    /// <summary>Token t+1 for every position t of a context; the last position has none (ignored).</summary>
    private static int[] NextTokenTargets(TokenBatch batch)
    {
        var targets = new int[batch.Ids.Length];
        for (int b = 0; b < batch.Batch; b++)
        {
            for (int t = 0; t < batch.Length - 1; t++) targets[b * batch.Length + t] = batch.Ids[b * batch.Length + t + 1];
            targets[b * batch.Length + batch.Length - 1] = Losses.DefaultIgnoreIndex;
        }
        return targets;
    }

    /// <summary>Sum and count of next-token losses.</summary>
    private sealed class LossSum
    {
        private double sum;
        private long count;

        public double Mean => count == 0 ? double.NaN : sum / count;

        public void Add(Tensor logits, int[] targets)
        {
            var losses = Losses.NegativeLogLikelihoodPerRow(logits, targets).Span;
            for (int i = 0; i < targets.Length; i++)
            {
                if (targets[i] == Losses.DefaultIgnoreIndex) continue;
                sum += losses[i];
                count++;
            }
        }
    }
}
