using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Discovery;

/// <summary>
/// resid_last → y (algorithm §5.5): the edges into the metric are the last residual site's node effects themselves,
/// downstream index 0 at position S−1 for aggregation "none".
/// </summary>
public static class OutputEdges
{
    public static IEnumerable<EdgeEffects> From(IReadOnlyList<NodeEffects> nodes, int layers)
    {
        string last = Site.ResidPost(layers - 1).Name;
        var node = nodes.FirstOrDefault(n => n.Site == last);
        if (node is null) yield break; // no dictionary at the last residual site
        var values = node.Effects.ToArray();
        int width = node.FeatureCount + 1;
        bool positional = node.PositionCount is not null;
        int positions = node.PositionCount ?? 1;
        var indices = new List<long>();
        var kept = new List<float>();
        for (int u = 0; u < values.Length; u++)
        {
            if (values[u] == 0) continue;
            if (positional) indices.AddRange([positions - 1, 0, u / width, u % width]);
            else indices.AddRange([0, u]);
            kept.Add(values[u]);
        }
        yield return new EdgeEffects(node.Site, CircuitVocabulary.Output, indices.ToArray(), kept.ToArray());
    }
}
