using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Edges of every edge type of a model for a run (algorithm §5): per batch, the downstream nodes with |IE| &gt; T_N
/// (per example and position, §3.4) each get one seed, made once per downstream site and shared by the edge types into
/// it, and each edge type runs each example's block once with all of that example's seeds in batched backward passes.
/// Edge types go from the last layer down; after a layer, the dictionaries that no lower layer reads give their
/// resident memory back (<see cref="DictionarySet.ReleaseResidentMemory(Site)"/>).
/// </summary>
public sealed class EdgeAttributor
{
    private readonly Transformer model;
    private readonly DictionarySet dictionaries;
    private readonly double nodeThreshold;
    private readonly bool lastOnly;
    private readonly List<EdgeAccumulator> accumulators;

    public EdgeAttributor(Transformer model, DictionarySet dictionaries, NodeAggregation aggregation, int positions, double nodeThreshold)
    {
        this.model = model;
        this.dictionaries = dictionaries;
        this.nodeThreshold = nodeThreshold;
        lastOnly = aggregation == NodeAggregation.Last;
        accumulators = EdgeType.ForModel(model.Config)
            .Where(t => dictionaries.ContainsKey(t.Upstream) && dictionaries.ContainsKey(t.Downstream))
            .Select(t => new EdgeAccumulator(t, aggregation, positions, dictionaries[t.Downstream].Width, dictionaries[t.Upstream].Width))
            .ToList();
    }

    /// <summary>Active downstream nodes seeded so far, per edge type key (one VJP seed each).</summary>
    public Dictionary<string, int> ActiveDownstreamNodes { get; } = [];

    public IReadOnlyList<EdgeType> Types => accumulators.Select(a => a.Type).ToList();

    /// <summary>Adds the edges of one batch whose node effects are <paramref name="batch"/>; <paramref name="onType"/> is
    /// called after each edge type (progress), in the order of <see cref="Types"/>.</summary>
    public void Add(BatchAttribution batch, ForwardOptions? options = null, Action<EdgeType>? onType = null)
    {
        var clean = batch.Clean ?? BatchActivations.Capture(model, TokenBatch.Stack(batch.Batch.CleanIds), dictionaries.Sites);
        var seeds = new Dictionary<Site, (IReadOnlyList<ActiveNode> Active, float[]? Seeds)>();
        var contractions = new Dictionary<Site, EdgeContraction>();
        var edges = new List<DownstreamEdges>[accumulators.Count];
        for (int i = 0; i < accumulators.Count; i++)
        {
            var type = accumulators[i].Type;
            var (up, down) = (type.Upstream, type.Downstream);
            if (!seeds.TryGetValue(down, out var seeded))
            {
                using var _ = PhaseTimes.Measure("edges: downstream seeds");
                var active = NodeSelection.Active(batch.Sites[down], nodeThreshold);
                // "last" keeps only edges into the last position: the other downstream nodes need no backward pass.
                if (lastOnly) active = active.Where(n => n.Position == batch.Batch.Length - 1).ToList();
                seeds[down] = seeded = (active, active.Count == 0 ? null : DownstreamSeeds.Compute(dictionaries[down], batch.Sites[down], active));
            }
            ActiveDownstreamNodes[type.Key] = ActiveDownstreamNodes.GetValueOrDefault(type.Key) + seeded.Active.Count;
            edges[i] = [];
            if (!contractions.TryGetValue(up, out var contraction))
                contractions[up] = contraction = new EdgeContraction(dictionaries[up], batch.Sites[up].Delta);
            EdgeAttribution.AddGradients(model, dictionaries[down], clean, type, batch.Sites[down], seeded.Active, seeded.Seeds, contraction, i, options);

            // U's edges are contracted together once no later type of this layer reads U (each decoder row read once).
            bool lastOfLayer = i + 1 == accumulators.Count || accumulators[i + 1].Type.Layer != type.Layer;
            if (lastOfLayer || !accumulators.Skip(i + 1).TakeWhile(a => a.Type.Layer == type.Layer).Any(a => a.Type.Upstream == up))
            {
                using (PhaseTimes.Measure("edges: contraction"))
                    foreach (var (tag, e) in contractions[up].Contract()) edges[tag].Add(e);
                contractions.Remove(up);
                for (int t = 0; t <= i; t++)
                {
                    if (edges[t] is null || accumulators[t].Type.Upstream != up) continue;
                    using (PhaseTimes.Measure("edges: accumulate")) accumulators[t].Add(edges[t], batch.Count);
                    edges[t] = null!;
                }
            }
            onType?.Invoke(type);
            if (lastOfLayer) ReleaseAbove(type.Layer);
        }
    }

    /// <summary>The aggregated edges of every edge type, in the order of <see cref="EdgeType.ForModel"/>.</summary>
    public IReadOnlyList<EdgeEffects> Finish() => accumulators.Select(a => a.ToEffects()).ToList();

    /// <summary>Once layer L's edge types are done, only sites below L's block are read again (resid_{L−1} is the next
    /// layer's downstream site).</summary>
    private void ReleaseAbove(int layer)
    {
        foreach (var site in dictionaries.Sites)
            if (site.Layer >= layer && site.Kind != SiteKind.Embed) dictionaries.ReleaseResidentMemory(site);
    }
}
