using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Analysis;

/// <summary>
/// Activation rates of chosen dictionary features per class of labelled prompts: one no-grad forward per group of
/// equal-length prompts, the site's activation read at each prompt's position and encoded by the dictionary.
/// </summary>
public static class FeatureActivationRates
{
    public static IReadOnlyList<FeatureSelectivity> Measure(
        Transformer model, Site site, IFeatureDictionary dictionary, IReadOnlyList<LabeledPrompt> prompts, IReadOnlyList<int> features)
    {
        if (prompts.Count == 0) throw new ArgumentException("No prompts to measure.", nameof(prompts));
        foreach (int f in features)
            if ((uint)f >= (uint)dictionary.Width) throw new ArgumentOutOfRangeException(nameof(features), $"feature {f} is outside 0..{dictionary.Width - 1}");
        var labels = prompts.Select(p => p.Label).Distinct().OrderBy(l => l, StringComparer.Ordinal).ToArray();
        var active = new Dictionary<string, long[]>();
        var sums = new Dictionary<string, double[]>();
        foreach (var label in labels)
        {
            active[label] = new long[features.Count];
            sums[label] = new double[features.Count];
        }
        var column = features.Select((f, i) => (f, i)).ToDictionary(t => t.f, t => t.i);

        foreach (var group in prompts.GroupBy(p => p.Ids.Length))
        {
            var members = group.ToList();
            var rows = ReadRows(model, site, members);
            var codes = dictionary.EncodeSparse(rows);
            for (int r = 0; r < members.Count; r++)
            {
                var idx = codes.IndicesOf(r);
                var val = codes.ValuesOf(r);
                for (int j = 0; j < idx.Length; j++)
                {
                    if (val[j] <= 0 || !column.TryGetValue(idx[j], out int c)) continue;
                    active[members[r].Label][c]++;
                    sums[members[r].Label][c] += val[j];
                }
            }
        }

        var counts = labels.ToDictionary(l => l, l => prompts.Count(p => p.Label == l));
        return features.Select((f, c) => new FeatureSelectivity(
            f,
            labels.ToDictionary(l => l, l => (double)active[l][c] / counts[l]),
            labels.ToDictionary(l => l, l => sums[l][c] / counts[l]))).ToList();
    }

    /// <summary>The site's activation at each prompt's read position, [N, d].</summary>
    private static Tensor ReadRows(Transformer model, Site site, IReadOnlyList<LabeledPrompt> prompts)
    {
        var tokens = TokenBatch.Stack(prompts.Select(p => p.Ids).ToList());
        Tensor? captured = null;
        var hooks = new ForwardHooks();
        hooks.Read(site.Name, x => captured = x);
        using (Tape.NoGrad())
            model.ResidualStream(tokens, hooks, upToLayer: site.Layer);
        if (captured is null) throw new InvalidOperationException($"The forward pass never reached site {site}.");
        int d = captured.Shape[^1];
        var rows = Tensor.Empty(prompts.Count, d);
        var source = captured.Span;
        for (int r = 0; r < prompts.Count; r++)
        {
            int position = prompts[r].Position;
            if ((uint)position >= (uint)tokens.Length) throw new ArgumentOutOfRangeException(nameof(prompts), $"position {position} is outside a {tokens.Length}-token prompt");
            source.Slice((r * tokens.Length + position) * d, d).CopyTo(rows.Span.Slice(r * d, d));
        }
        return rows;
    }
}
