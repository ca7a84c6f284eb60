using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Edges of every edge type of a model for a run (algorithm §5): per batch, the downstream nodes with |IE| &gt; T_N
/// (per example and position, §3.4) each get one seed, made once per downstream site and shared by the edge types into
/// it, and each edge type runs each example's block once with all of that example's seeds in batched backward passes.
/// Layers run side by side; a dictionary gives its resident memory back once every layer reading it is done
/// (<see cref="DictionarySet.ReleaseResidentMemory(Site)"/>).
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
    /// called after each edge type (progress). Layers are independent (each downstream site's seeds and each upstream
    /// site's contraction belong to one layer), so they are worked on side by side, one per core
    /// (<see cref="Parallelism.Independent"/>), from the last layer down.</summary>
    public void Add(BatchAttribution batch, ForwardOptions? options = null, Action<EdgeType>? onType = null)
    {
        var clean = batch.Clean ?? BatchActivations.Capture(model, TokenBatch.Stack(batch.Batch.CleanIds), dictionaries.Sites);
        var layers = Enumerable.Range(0, accumulators.Count).GroupBy(i => accumulators[i].Type.Layer).Select(g => g.ToArray()).ToArray();
        // A dictionary gives its resident memory back once every layer that reads it is done.
        var readers = new Dictionary<Site, int>();
        foreach (var layer in layers)
            foreach (var site in SitesOf(layer)) readers[site] = readers.GetValueOrDefault(site) + 1;
        var progress = new object();
        Parallelism.Independent(layers.Length, l =>
        {
            AddLayer(batch, clean, layers[l], options, type => { lock (progress) onType?.Invoke(type); });
            lock (readers)
                foreach (var site in SitesOf(layers[l]))
                    if (--readers[site] == 0) dictionaries.ReleaseResidentMemory(site);
        });
    }

    /// <summary>The edge types <paramref name="types"/> (indices into the accumulators) of one layer.</summary>
    private void AddLayer(BatchAttribution batch, BatchActivations clean, int[] types, ForwardOptions? options, Action<EdgeType> onType)
    {
        var seeds = new Dictionary<Site, (IReadOnlyList<ActiveNode> Active, float[]? Seeds)>();
        var contractions = new Dictionary<Site, EdgeContraction>();
        var edges = new Dictionary<int, List<DownstreamEdges>>();
        for (int n = 0; n < types.Length; n++)
        {
            int i = types[n];
            var type = accumulators[i].Type;
            var (up, down) = (type.Upstream, type.Downstream);
            if (!seeds.TryGetValue(down, out var seeded))
            {
                using var _ = PhaseTimes.Measure("edges: downstream seeds");
                var active = NodeSelection.Active(batch.Sites[down], nodeThreshold);
                // "last" keeps only edges into the last position: the other downstream nodes need no backward pass.
                if (lastOnly) active = active.Where(a => a.Position == batch.Batch.Length - 1).ToList();
                seeds[down] = seeded = (active, active.Count == 0 ? null : DownstreamSeeds.Compute(dictionaries[down], batch.Sites[down], active));
            }
            lock (ActiveDownstreamNodes) ActiveDownstreamNodes[type.Key] = ActiveDownstreamNodes.GetValueOrDefault(type.Key) + seeded.Active.Count;
            edges[i] = [];
            if (!contractions.TryGetValue(up, out var contraction))
                contractions[up] = contraction = new EdgeContraction(dictionaries[up], batch.Sites[up].Delta);
            EdgeAttribution.AddGradients(model, dictionaries[down], clean, type, batch.Sites[down], seeded.Active, seeded.Seeds, contraction, i, options);

            // U's edges are contracted together once no later type of this layer reads U (each decoder row read once).
            if (!types.Skip(n + 1).Any(t => accumulators[t].Type.Upstream == up))
            {
                using (PhaseTimes.Measure("edges: contraction"))
                    foreach (var (tag, e) in contractions[up].Contract()) edges[tag].Add(e);
                contractions.Remove(up);
                foreach (int t in types.Take(n + 1))
                {
                    if (!edges.TryGetValue(t, out var done) || accumulators[t].Type.Upstream != up) continue;
                    using (PhaseTimes.Measure("edges: accumulate")) accumulators[t].Add(done, batch.Count);
                    edges.Remove(t);
                }
            }
            onType(type);
        }
    }

    private IEnumerable<Site> SitesOf(int[] types) =>
        types.SelectMany(i => new[] { accumulators[i].Type.Upstream, accumulators[i].Type.Downstream }).Distinct();

    /// <summary>The aggregated edges of every edge type, in the order of <see cref="EdgeType.ForModel"/>.</summary>
    public IReadOnlyList<EdgeEffects> Finish() => accumulators.Select(a => a.ToEffects()).ToList();
}
