using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// The nodes a run keeps at every evaluated site, in forward site order: a circuit at a threshold, its complement,
/// everything or nothing, or a random circuit. Sites of the model outside this set are not touched.
/// </summary>
public sealed class NodeMasks
{
    public NodeMasks(IEnumerable<SiteMask> masks)
    {
        Sites = masks.OrderBy(m => m.Site.Order).ToArray();
        if (Sites.Select(m => m.Site).Distinct().Count() != Sites.Count)
            throw new ArgumentException("Two masks for one site.");
    }

    /// <summary>One mask per evaluated site, in forward order.</summary>
    public IReadOnlyList<SiteMask> Sites { get; }

    public SiteMask this[Site site] => Sites.FirstOrDefault(m => m.Site == site) ?? throw new KeyNotFoundException($"No mask for site {site}.");

    /// <summary>Kept nodes (features and error nodes) over every site and position: the reference's n_nodes when the
    /// masks come from a threshold.</summary>
    public int NodeCount => Sites.Sum(m => m.Count);

    /// <summary>Every node of every site and position.</summary>
    public long Size => Sites.Sum(m => (long)m.Size);

    /// <summary>The nodes of <paramref name="circuit"/> with |effect| &gt; <paramref name="threshold"/> at
    /// <paramref name="sites"/> (each must be one of the circuit's sites).</summary>
    public static NodeMasks FromCircuit(Circuit circuit, IEnumerable<Site> sites, double threshold)
    {
        if (double.IsNaN(threshold)) throw new ArgumentException("The threshold is NaN.", nameof(threshold));
        return new(sites.Select(s => SiteMask.FromEffects(s, circuit.Site(s.Name), threshold)));
    }

    /// <summary>The complement: what this keeps is ablated and the other way round (F(M∖C)).</summary>
    public NodeMasks Complement() => new(Sites.Select(m => m.Complement()));

    /// <summary>Masks shaped like these keeping every node (<paramref name="keep"/>) or none (F(∅)).</summary>
    public NodeMasks Uniform(bool keep) => new(Sites.Select(m => SiteMask.Uniform(m.Site, m.FeatureCount, m.Positions, keep)));

    /// <summary>
    /// A random circuit shaped like these: every node kept independently with probability <paramref name="density"/>
    /// (the paper's baseline at equal density). Kept positions are drawn by geometric skips, so the cost follows the
    /// number of kept nodes rather than the number of nodes.
    /// </summary>
    public NodeMasks Random(double density, Random rng)
    {
        if (!(density >= 0 && density <= 1)) throw new ArgumentOutOfRangeException(nameof(density), density, "must be in [0, 1]");
        bool invert = density > 0.5;
        double p = invert ? 1 - density : density;
        var result = new List<SiteMask>();
        foreach (var m in Sites)
        {
            var kept = new bool[m.Size];
            if (invert) Array.Fill(kept, true);
            if (p > 0)
            {
                for (long i = NextGap(); i < kept.Length; i += 1 + NextGap()) kept[i] = !invert;
            }
            result.Add(new SiteMask(m.Site, m.FeatureCount, m.Positions, kept));

            long NextGap()
            {
                if (p >= 1) return 0;
                double u = 1 - rng.NextDouble(); // (0, 1]
                double gap = Math.Floor(Math.Log(u) / Math.Log(1 - p));
                return gap > int.MaxValue ? int.MaxValue : (long)gap;
            }
        }
        return new NodeMasks(result);
    }
}
