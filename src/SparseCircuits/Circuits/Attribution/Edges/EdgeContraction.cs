using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// From gradients g at U's activation to edge weights (algorithm §5.1): E[down ← (q, j)] = (W_dec^U[j]·g[q])·Δf_j[q]
/// for U's support entries with Δf ≠ 0, and E[down ← (q, ε)] = ⟨g[q], Δε_U[q]⟩. Gradients of any number of downstream
/// nodes — of every edge type out of U, every example — are collected first (<see cref="Add"/>); <see cref="Contract"/>
/// then computes all their dot products feature by feature (<see cref="FeatureBlocks.Dots"/>), so each decoder
/// row of U is read once per batch rather than once per node or row.
/// </summary>
public sealed class EdgeContraction
{
    private readonly IFeatureDictionary dictionary;
    private readonly SiteDelta delta;
    private readonly float[] featureDelta;
    private readonly int d;
    private readonly List<Pending> nodes = [];
    private readonly List<(int Node, int Row)> pairs = []; // (node, U row) with a nonzero gradient, in add order
    private readonly List<float[]> vectors = [];

    public EdgeContraction(IFeatureDictionary upstreamDictionary, SiteDelta upstreamDelta)
    {
        dictionary = upstreamDictionary;
        delta = upstreamDelta;
        featureDelta = upstreamDelta.FeatureDelta();
        d = upstreamDictionary.OutputDim;
    }

    /// <summary>
    /// Adds downstream nodes of example <paramref name="example"/> with their gradients at U, [nodes, S, d] (node n's rows
    /// of that example); <paramref name="tag"/> is handed back with their edges (e.g. the edge type).
    /// </summary>
    public void Add(int tag, int example, IReadOnlyList<ActiveNode> downstream, ReadOnlySpan<float> gradients)
    {
        int s = delta.Length;
        if (gradients.Length != (long)downstream.Count * s * d)
            throw new ArgumentException($"Gradients of {gradients.Length} floats for {downstream.Count} nodes of {s}×{d}.");
        for (int n = 0; n < downstream.Count; n++)
        {
            int id = nodes.Count;
            nodes.Add(new Pending(tag, downstream[n]));
            for (int q = 0; q < s; q++)
            {
                var g = gradients.Slice((n * s + q) * d, d);
                if (g.IndexOfAnyExcept(0f) < 0) continue;
                pairs.Add((id, example * s + q));
                vectors.Add(g.ToArray());
            }
        }
    }

    /// <summary>The edges into every node added, with its tag, in the order added; then starts empty again.</summary>
    public IReadOnlyList<(int Tag, DownstreamEdges Edges)> Contract()
    {
        int s = delta.Length, f = delta.FeatureCount, width = f + 1;
        var support = delta.Support;

        // Pairs grouped by U row; each row's pattern is its support entries with Δf ≠ 0.
        var byRow = Enumerable.Range(0, pairs.Count).GroupBy(p => pairs[p].Row).OrderBy(g => g.Key).ToArray();
        int rows = byRow.Length;
        var patternStart = new int[rows + 1];
        var vectorStart = new int[rows + 1];
        var outputStart = new int[rows + 1];
        var entries = new List<int>();   // support entry (position in the support arrays) per pattern entry
        var pairOrder = new int[pairs.Count];
        for (int r = 0; r < rows; r++)
        {
            int row = byRow[r].Key, start = support.RowStart[row], end = support.RowStart[row + 1];
            for (int e = start; e < end; e++)
                if (featureDelta[e] != 0) entries.Add(e);
            patternStart[r + 1] = entries.Count;
            int count = 0;
            foreach (int p in byRow[r]) pairOrder[vectorStart[r] + count++] = p;
            vectorStart[r + 1] = vectorStart[r] + count;
            outputStart[r + 1] = outputStart[r] + count * (patternStart[r + 1] - patternStart[r]);
        }
        var packed = new float[(long)pairs.Count * d];
        for (int v = 0; v < pairOrder.Length; v++) vectors[pairOrder[v]].CopyTo(packed, (long)v * d);
        var dots = new float[outputStart[rows]];
        var patternIndices = entries.Select(e => support.Indices[e]).ToArray();
        PhaseTimes.Count("edges: (node, upstream row) pairs", pairs.Count);
        PhaseTimes.Count("edges: decoder-row dot products", dots.Length);
        if (dictionary is IdentityDictionary)
        {
            for (int r = 0; r < rows; r++)
            {
                int m = patternStart[r + 1] - patternStart[r];
                for (int c = 0; c < vectorStart[r + 1] - vectorStart[r]; c++)
                    for (int t = 0; t < m; t++)
                        dots[outputStart[r] + c * m + t] = packed[(long)(vectorStart[r] + c) * d + patternIndices[patternStart[r] + t]];
            }
        }
        else if (dots.Length > 0)
        {
            using var timing = PhaseTimes.Measure("edges: contraction dot products");
            FeatureBlocks.Dots(dictionary.DecoderWeight, patternStart, patternIndices, vectorStart, packed, outputStart, dots);
        }

        // Each pair's edges, then each node's in row order.
        var pairEdges = new (int[] Indices, float[] Values)[pairs.Count];
        for (int r = 0; r < rows; r++)
        {
            int row = byRow[r].Key, q = row % s, m = patternStart[r + 1] - patternStart[r];
            var rowEntries = entries.GetRange(patternStart[r], m);
            var entryDelta = rowEntries.Select(e => featureDelta[e]).ToArray();
            var entryIndex = rowEntries.Select(e => q * width + support.Indices[e]).ToArray();
            for (int c = 0; c < vectorStart[r + 1] - vectorStart[r]; c++)
            {
                var products = dots.AsSpan(outputStart[r] + c * m, m);
                var g = packed.AsSpan((vectorStart[r] + c) * d, d);
                float err = (float)delta.ErrorInner(row, g, products, entryDelta);
                int nonzero = err != 0 ? 1 : 0;
                for (int t = 0; t < m; t++)
                    if (products[t] * entryDelta[t] != 0) nonzero++;
                var indices = new int[nonzero];
                var values = new float[nonzero];
                int k = 0;
                for (int t = 0; t < m; t++)
                {
                    float v = products[t] * entryDelta[t];
                    if (v == 0) continue;
                    indices[k] = entryIndex[t];
                    values[k++] = v;
                }
                if (err != 0)
                {
                    indices[k] = q * width + f;
                    values[k] = err;
                }
                pairEdges[pairOrder[vectorStart[r] + c]] = (indices, values);
            }
        }
        var result = new (int, DownstreamEdges)[nodes.Count];
        var perNode = new List<int>[nodes.Count];
        for (int p = 0; p < pairs.Count; p++) (perNode[pairs[p].Node] ??= []).Add(p);
        for (int n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n].Node;
            var own = perNode[n];
            int[] indices;
            float[] values;
            if (own is null) (indices, values) = ([], []);
            else if (own.Count == 1) (indices, values) = pairEdges[own[0]];
            else
            {
                indices = own.SelectMany(p => pairEdges[p].Indices).ToArray();
                values = own.SelectMany(p => pairEdges[p].Values).ToArray();
            }
            result[n] = (nodes[n].Tag, new DownstreamEdges(node.Example, node.Position, node.Index, indices, values, s * width));
        }
        nodes.Clear();
        pairs.Clear();
        vectors.Clear();
        return result;
    }

    private readonly record struct Pending(int Tag, ActiveNode Node);
}
