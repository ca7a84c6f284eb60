namespace SparseCircuits.Circuits.Analysis;

/// <summary>
/// How one feature fires on each class of prompts: the fraction of prompts in which it is active (&gt; 0) at the read
/// position, and its mean activation there. A number-selective feature fires on one class and rarely on the other.
/// </summary>
public sealed record FeatureSelectivity(
    int Feature,
    IReadOnlyDictionary<string, double> ActivationRate,
    IReadOnlyDictionary<string, double> MeanActivation)
{
    /// <summary>The label with the highest activation rate, and how far that rate exceeds the highest other label's.</summary>
    public (string Label, double Margin) Preferred()
    {
        var ranked = ActivationRate.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        double next = ranked.Count > 1 ? ranked[1].Value : 0;
        return (ranked[0].Key, ranked[0].Value - next);
    }
}
