using SparseCircuits.Dictionaries;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Edges of every edge type of a model for a run (algorithm §5): per batch, the downstream nodes with |IE| &gt; T_N
/// (per example and position, §3.4) each get one seed, and each edge type is one forward and one batched backward.
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

    /// <summary>Adds the edges of one batch whose node effects are <paramref name="batch"/>.</summary>
    public void Add(BatchAttribution batch, ForwardOptions? options = null, Action<EdgeType>? onType = null)
    {
        var clean = BatchActivations.Capture(model, TokenBatch.Stack(batch.Batch.CleanIds), dictionaries.Sites);
        foreach (var acc in accumulators)
        {
            var type = acc.Type;
            var active = NodeSelection.Active(batch.Sites[type.Downstream], nodeThreshold);
            // "last" keeps only edges into the last position: the other downstream nodes need no backward pass.
            if (lastOnly) active = active.Where(n => n.Position == batch.Sites[type.Downstream].Delta.Length - 1).ToList();
            ActiveDownstreamNodes[type.Key] = ActiveDownstreamNodes.GetValueOrDefault(type.Key) + active.Count;
            var edges = EdgeAttribution.Compute(model, dictionaries, clean, type, batch.Sites[type.Upstream], batch.Sites[type.Downstream], active, options);
            acc.Add(edges, batch.Count);
            onType?.Invoke(type);
        }
    }

    /// <summary>The aggregated edges of every edge type, in the order of <see cref="EdgeType.ForModel"/>.</summary>
    public IReadOnlyList<EdgeEffects> Finish() => accumulators.Select(a => a.ToEffects()).ToList();
}
