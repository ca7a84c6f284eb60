using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Analysis;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace Sfc.Demo;

/// <summary>
/// The interpretability check of the demo: the resid features with the largest |effect| at the subject position of a
/// positional ("none") circuit, and their activation rates on singular vs plural subjects.
/// </summary>
public static class NumberSelectiveFeatures
{
    public static IReadOnlyList<NumberFeature> Measure(Transformer model, DictionarySet dictionaries, Circuit circuit,
        IReadOnlyList<LabeledPrompt> prompts, int subjectPosition, int count)
    {
        var top = circuit.Nodes
            .Where(n => Site.Parse(n.Site).Kind == SiteKind.Resid && n.PositionCount is not null)
            .SelectMany(n => Enumerable.Range(0, n.FeatureCount).Select(f => (n.Site, Feature: f, Effect: (double)n.Effect(subjectPosition, f))))
            .Where(x => x.Effect != 0)
            .OrderByDescending(x => Math.Abs(x.Effect)).ThenBy(x => x.Site, StringComparer.Ordinal).ThenBy(x => x.Feature)
            .Take(count)
            .ToList();
        var result = new List<NumberFeature>();
        foreach (var group in top.GroupBy(x => x.Site))
        {
            var site = Site.Parse(group.Key);
            var rates = FeatureActivationRates.Measure(model, site, dictionaries[site], prompts, group.Select(x => x.Feature).ToList());
            foreach (var (x, r) in group.Zip(rates))
                result.Add(new NumberFeature(x.Site, x.Feature, x.Effect,
                    r.ActivationRate.GetValueOrDefault(SubjectNumberPrompts.Singular), r.ActivationRate.GetValueOrDefault(SubjectNumberPrompts.Plural)));
        }
        return result.OrderByDescending(f => Math.Abs(f.Effect)).ToList();
    }
}
