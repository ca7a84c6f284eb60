using System.Buffers;
using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// From the gradient g at U's activation to edge weights (algorithm §5.1): E[down ← (q, j)] = (W_dec^U[j]·g[q])·Δf_j[q]
/// for U's support entries with Δf ≠ 0 and E[down ← (q, ε)] = ⟨g[q], Δε_U[q]⟩. The downstream nodes whose gradient is
/// nonzero at the same row q share that row's support, so their dot products are one GEMM against the gathered decoder
/// rows of the support.
/// </summary>
public sealed class EdgeContraction
{
    private readonly IFeatureDictionary dictionary;
    private readonly SiteDelta delta;
    private readonly float[] featureDelta;

    public EdgeContraction(IFeatureDictionary upstreamDictionary, SiteDelta upstreamDelta)
    {
        dictionary = upstreamDictionary;
        delta = upstreamDelta;
        featureDelta = upstreamDelta.FeatureDelta();
    }

    /// <summary>
    /// The edges into <paramref name="nodes"/>, all of example <paramref name="example"/>, from their gradients at U:
    /// <paramref name="gradients"/> holds [nodes, S, d] (node n's rows of that example).
    /// </summary>
    public DownstreamEdges[] Contract(int example, IReadOnlyList<ActiveNode> nodes, ReadOnlySpan<float> gradients)
    {
        int s = delta.Length, f = delta.FeatureCount, d = dictionary.OutputDim, width = f + 1, k = nodes.Count;
        if (gradients.Length != (long)k * s * d) throw new ArgumentException($"Gradients of {gradients.Length} floats for {k} nodes of {s}×{d}.");
        var indices = new List<int>[k];
        var values = new List<float>[k];
        for (int n = 0; n < k; n++)
        {
            indices[n] = [];
            values[n] = [];
        }
        var support = delta.Support;
        bool identity = dictionary is IdentityDictionary;
        var live = new int[k];
        for (int q = 0; q < s; q++)
        {
            int count = 0;
            for (int n = 0; n < k; n++)
                if (gradients.Slice((n * s + q) * d, d).IndexOfAnyExcept(0f) >= 0) live[count++] = n;
            if (count == 0) continue;
            int row = example * s + q;

            // The row's support entries that can carry an edge (Δf ≠ 0).
            var idx = support.IndicesOf(row);
            int start = support.RowStart[row];
            var entries = new List<int>(idx.Length);
            for (int e = 0; e < idx.Length; e++)
                if (featureDelta[start + e] != 0) entries.Add(e);
            int m = entries.Count;
            var entryDelta = entries.Select(e => featureDelta[start + e]).ToArray();

            var g = ArrayPool<float>.Shared.Rent(Math.Max(1, count * d));
            var products = ArrayPool<float>.Shared.Rent(Math.Max(1, count * m));
            try
            {
                for (int c = 0; c < count; c++) gradients.Slice((live[c] * s + q) * d, d).CopyTo(g.AsSpan(c * d, d));
                PhaseTimes.Count("edges: (node, upstream row) pairs", count);
                PhaseTimes.Count("edges: decoder-row dot products", (long)count * m);
                if (m > 0) Dots(idx, entries, g.AsSpan(0, count * d), count, d, products.AsSpan(0, count * m), identity);
                for (int c = 0; c < count; c++)
                {
                    int n = live[c];
                    var dots = products.AsSpan(c * m, m);
                    for (int t = 0; t < m; t++)
                    {
                        int e = entries[t];
                        float v = dots[t] * featureDelta[start + e];
                        if (v == 0) continue;
                        indices[n].Add(q * width + idx[e]);
                        values[n].Add(v);
                    }
                    double err = delta.ErrorInner(row, g.AsSpan(c * d, d), dots, entryDelta);
                    if ((float)err != 0)
                    {
                        indices[n].Add(q * width + f);
                        values[n].Add((float)err);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(g);
                ArrayPool<float>.Shared.Return(products);
            }
        }
        var result = new DownstreamEdges[k];
        for (int n = 0; n < k; n++)
            result[n] = new DownstreamEdges(nodes[n].Example, nodes[n].Position, nodes[n].Index, indices[n].ToArray(), values[n].ToArray(), s * width);
        return result;
    }

    /// <summary>products[c, t] = W_dec[idx[entries[t]]]·g[c] for the <paramref name="count"/> gradient rows g.</summary>
    private void Dots(ReadOnlySpan<int> idx, List<int> entries, ReadOnlySpan<float> g, int count, int d, Span<float> products, bool identity)
    {
        int m = entries.Count;
        if (identity)
        {
            for (int c = 0; c < count; c++)
                for (int t = 0; t < m; t++) products[c * m + t] = g[c * d + idx[entries[t]]];
            return;
        }
        var rowIndices = ArrayPool<int>.Shared.Rent(m);
        try
        {
            for (int t = 0; t < m; t++) rowIndices[t] = idx[entries[t]];
            SparseDecoding.GatheredRowDots(dictionary.DecoderWeight, rowIndices.AsSpan(0, m), g, count, products);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rowIndices);
        }
    }
}
