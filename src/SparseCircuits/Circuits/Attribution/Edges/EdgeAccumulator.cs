namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Aggregates one edge type's [B, S, F_D+1, B, S, F_U+1] batch tensors over a run (algorithm §5.5): "none" sums the
/// batch axes, giving [S, F_D+1, S, F_U+1]; "sum" also sums both position axes, giving [F_D+1, F_U+1]; "last" (Jackson's
/// fork, §4) keeps the entries whose downstream and upstream positions are both the last one, giving [F_D+1, F_U+1].
/// Across batches len(batch)·E_batch is accumulated and divided by N, i.e. the total over all examples divided by N.
/// Storage is keyed by downstream unit with a dense upstream block, in float64.
/// </summary>
public sealed class EdgeAccumulator
{
    private readonly Dictionary<long, double[]> blocks = [];
    private readonly int positions;
    private readonly int upWidth;
    private readonly int downWidth;
    private int examples;

    public EdgeAccumulator(EdgeType type, NodeAggregation aggregation, int positions, int downstreamFeatures, int upstreamFeatures)
    {
        Type = type;
        Aggregation = aggregation;
        this.positions = positions;
        downWidth = downstreamFeatures + 1;
        upWidth = upstreamFeatures + 1;
    }

    public EdgeType Type { get; }

    public NodeAggregation Aggregation { get; }

    /// <summary>Adds one batch of <paramref name="batchSize"/> examples.</summary>
    public void Add(IReadOnlyList<DownstreamEdges> edges, int batchSize)
    {
        examples += batchSize;
        bool positional = Aggregation == NodeAggregation.None, last = Aggregation == NodeAggregation.Last;
        foreach (var e in edges)
        {
            int length = e.Upstream.Length / upWidth; // this batch's positions ("sum" and "last" allow lengths to vary)
            if (last && e.Position != length - 1) continue;
            long key = positional ? (long)e.Position * downWidth + e.Index : e.Index;
            if (!blocks.TryGetValue(key, out var block)) blocks[key] = block = new double[positional ? positions * upWidth : upWidth];
            if (positional && length != positions) throw new ArgumentException($"Aggregation 'none' needs {positions} positions; a batch has {length}.");
            for (int q = last ? length - 1 : 0; q < length; q++)
                for (int j = 0; j < upWidth; j++)
                    block[positional ? q * upWidth + j : j] += e.Upstream[q * upWidth + j];
        }
    }

    /// <summary>The nonzero aggregated entries in the circuit file's layout (downstream first), sorted by index.</summary>
    public EdgeEffects ToEffects()
    {
        if (examples == 0) throw new InvalidOperationException($"No batch was added for edge {Type.Key}.");
        bool positional = Aggregation == NodeAggregation.None;
        var indices = new List<long>();
        var values = new List<float>();
        foreach (var key in blocks.Keys.Order())
        {
            var block = blocks[key];
            for (int u = 0; u < block.Length; u++)
            {
                float v = (float)(block[u] / examples);
                if (v == 0) continue;
                if (positional)
                {
                    indices.AddRange([key / downWidth, key % downWidth, u / upWidth, u % upWidth]);
                }
                else
                {
                    indices.AddRange([key, u]);
                }
                values.Add(v);
            }
        }
        return new EdgeEffects(Type.Upstream.Name, Type.Downstream.Name, indices.ToArray(), values.ToArray());
    }
}
