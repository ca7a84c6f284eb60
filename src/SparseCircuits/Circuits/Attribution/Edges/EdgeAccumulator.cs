namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Aggregates one edge type's [B, S, F_D+1, B, S, F_U+1] batch tensors over a run (algorithm §5.5): "none" sums the
/// batch axes, giving [S, F_D+1, S, F_U+1]; "sum" also sums both position axes, giving [F_D+1, F_U+1]; "last" (Jackson's
/// fork, §4) keeps the entries whose downstream and upstream positions are both the last one, giving [F_D+1, F_U+1].
/// Across batches len(batch)·E_batch is accumulated and divided by N, i.e. the total over all examples divided by N.
/// Storage is keyed by downstream unit with a sparse upstream vector of float64 sums (only entries some node's edges reached).
/// </summary>
public sealed class EdgeAccumulator
{
    private readonly Dictionary<long, SparseSum> blocks = [];
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

    /// <summary>Nonzero upstream entries held so far, over all downstream units.</summary>
    public long Entries => blocks.Values.Sum(b => (long)b.Count);

    /// <summary>Adds one batch of <paramref name="batchSize"/> examples.</summary>
    public void Add(IReadOnlyList<DownstreamEdges> edges, int batchSize)
    {
        examples += batchSize;
        bool positional = Aggregation == NodeAggregation.None, last = Aggregation == NodeAggregation.Last;
        foreach (var e in edges)
        {
            int length = e.UpstreamLength / upWidth; // this batch's positions ("sum" and "last" allow lengths to vary)
            if (last && e.Position != length - 1) continue;
            if (positional && length != positions) throw new ArgumentException($"Aggregation 'none' needs {positions} positions; a batch has {length}.");
            long key = positional ? (long)e.Position * downWidth + e.Index : e.Index;
            if (!blocks.TryGetValue(key, out var block)) blocks[key] = block = new SparseSum();
            if (positional)
            {
                block.Add(e.UpstreamIndices, e.Values);
                continue;
            }
            // "sum": (q, j) -> j over every position q; "last": only q = S−1.
            int kept = 0;
            var features = new int[e.UpstreamIndices.Length];
            var values = new float[e.UpstreamIndices.Length];
            bool sorted = true;
            for (int i = 0; i < e.UpstreamIndices.Length; i++)
            {
                if (last && e.UpstreamIndices[i] / upWidth != length - 1) continue;
                features[kept] = e.UpstreamIndices[i] % upWidth;
                values[kept] = e.Values[i];
                sorted &= kept == 0 || features[kept] >= features[kept - 1];
                kept++;
            }
            if (kept < features.Length)
            {
                Array.Resize(ref features, kept);
                Array.Resize(ref values, kept);
            }
            if (!sorted) Array.Sort(features, values);
            block.Add(features, values);
        }
    }

    /// <summary>The nonzero aggregated entries in the circuit file's layout (downstream first), sorted by index.</summary>
    public EdgeEffects ToEffects()
    {
        if (examples == 0) throw new InvalidOperationException($"No batch was added for edge {Type.Key}.");
        bool positional = Aggregation == NodeAggregation.None;
        int width = positional ? 4 : 2;
        long count = 0;
        foreach (var block in blocks.Values)
            foreach (var sum in block.Sums)
                if ((float)(sum / examples) != 0) count++;
        var indices = new long[count * width];
        var values = new float[count];
        long at = 0;
        foreach (var key in blocks.Keys.Order())
        {
            var block = blocks[key];
            var up = block.Indices;
            var sums = block.Sums;
            for (int e = 0; e < up.Length; e++)
            {
                float v = (float)(sums[e] / examples);
                if (v == 0) continue;
                long o = at * width;
                if (positional)
                {
                    indices[o] = key / downWidth;
                    indices[o + 1] = key % downWidth;
                    indices[o + 2] = up[e] / upWidth;
                    indices[o + 3] = up[e] % upWidth;
                }
                else
                {
                    indices[o] = key;
                    indices[o + 1] = up[e];
                }
                values[at++] = v;
            }
        }
        return new EdgeEffects(Type.Upstream.Name, Type.Downstream.Name, indices, values);
    }
}
