using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>A node of one example: feature <see cref="Index"/> (F = the error node) at <see cref="Position"/>.</summary>
public readonly record struct ActiveNode(int Example, int Position, int Index, float Effect);

/// <summary>
/// Node selection (algorithm §3.4): per example and position, before any aggregation, a node is active when
/// |IE| &gt; T_N (strict). It decides which downstream nodes get edges computed.
/// </summary>
public static class NodeSelection
{
    public static IReadOnlyList<ActiveNode> Active(NodeAttribution node, double threshold)
    {
        var effects = node.Effects;
        int b = effects.Dim(0), s = effects.Dim(1), width = effects.Dim(2);
        float limit = (float)threshold;
        var e = effects.Span;
        var active = new List<ActiveNode>();
        for (int ex = 0; ex < b; ex++)
            for (int p = 0; p < s; p++)
                for (int i = 0; i < width; i++)
                {
                    float v = e[(ex * s + p) * width + i];
                    if (MathF.Abs(v) > limit) active.Add(new ActiveNode(ex, p, i, v));
                }
        return active;
    }

    /// <summary>Active nodes of every site of a batch.</summary>
    public static IReadOnlyDictionary<Site, IReadOnlyList<ActiveNode>> Active(BatchAttribution batch, double threshold) =>
        batch.Sites.ToDictionary(p => p.Key, p => Active(p.Value, threshold));
}
