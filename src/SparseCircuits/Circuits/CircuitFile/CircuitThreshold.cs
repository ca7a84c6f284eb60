namespace SparseCircuits.Circuits;

/// <summary>
/// Thresholding a circuit (algorithm §3.4, §5.4): the one implementation behind circuit.json and the plots. A node
/// passes when |effect| > T_N (effect > T_N when only positive effects are wanted); an edge passes when both
/// endpoints pass (the output always does) and |weight| > T_E. Comparisons are strict and in float32, as the
/// reference compares its float32 tensors against the thresholds.
/// </summary>
internal static class CircuitThreshold
{
    public static CircuitSelection Select(Circuit circuit, double nodeThreshold, double edgeThreshold, bool positiveOnly)
    {
        if (double.IsNaN(nodeThreshold)) throw new ArgumentException("The node threshold is NaN.", nameof(nodeThreshold));
        if (double.IsNaN(edgeThreshold)) throw new ArgumentException("The edge threshold is NaN.", nameof(edgeThreshold));
        circuit.Validate();

        float nodeLimit = (float)nodeThreshold;
        var nodes = new List<CircuitNode>();
        var byKey = new Dictionary<(int Site, int Position, int Index), CircuitNode>();
        for (int s = 0; s < circuit.Nodes.Count; s++)
        {
            var site = circuit.Nodes[s];
            var passing = PassingNodes(site, nodeLimit, positiveOnly);
            passing.Sort(ByImportance);
            foreach (var node in passing) byKey[(s, node.Position ?? 0, node.Index)] = node;
            nodes.AddRange(passing);
        }

        var output = CircuitNode.Output(circuit.PositionCount - 1);
        float edgeLimit = (float)edgeThreshold;
        var edges = new List<(int From, int To, CircuitEdge Edge)>();
        foreach (var pair in circuit.Edges)
        {
            int from = circuit.SiteIndex(pair.Upstream);
            int to = pair.IntoOutput ? circuit.Nodes.Count : circuit.SiteIndex(pair.Downstream);
            int width = circuit.EdgeIndexWidth;
            var indices = pair.Indices;
            for (int k = 0; k < pair.Count; k++)
            {
                float weight = pair.Values[k];
                if (!(MathF.Abs(weight) > edgeLimit)) continue;
                var row = indices.AsSpan(k * width, width);
                var (downPosition, downIndex, upPosition, upIndex) = width == 4
                    ? ((int)row[0], (int)row[1], (int)row[2], (int)row[3])
                    : (0, (int)row[0], 0, (int)row[1]);
                if (!byKey.TryGetValue((from, upPosition, upIndex), out var source)) continue;
                CircuitNode? target = output;
                if (!pair.IntoOutput && !byKey.TryGetValue((to, downPosition, downIndex), out target)) continue;
                edges.Add((from, to, new CircuitEdge(source, target, weight)));
            }
        }
        edges.Sort(EdgeOrder);
        return new CircuitSelection(nodes, edges.Select(e => e.Edge).ToList(), output, nodeThreshold, edgeThreshold, positiveOnly);
    }

    private static List<CircuitNode> PassingNodes(NodeEffects site, float limit, bool positiveOnly)
    {
        var passing = new List<CircuitNode>();
        var effects = site.Effects.Span;
        int width = site.FeatureCount + 1;
        int? positions = site.PositionCount;
        for (int p = 0; p < (positions ?? 1); p++)
        {
            var row = effects.Slice(p * width, width);
            for (int i = 0; i < width; i++)
            {
                float effect = row[i];
                bool passes = positiveOnly ? effect > limit : MathF.Abs(effect) > limit;
                if (passes) passing.Add(new CircuitNode(site.Site, positions is null ? null : p, i, i == width - 1, effect));
            }
        }
        return passing;
    }

    private static int ByImportance(CircuitNode a, CircuitNode b)
    {
        int c = MathF.Abs(b.Effect).CompareTo(MathF.Abs(a.Effect));
        if (c != 0) return c;
        c = (a.Position ?? 0).CompareTo(b.Position ?? 0);
        return c != 0 ? c : a.Index.CompareTo(b.Index);
    }

    /// <summary>Edges by site pair in forward order, then by |weight| descending, then by position and index.</summary>
    private static int EdgeOrder((int From, int To, CircuitEdge Edge) a, (int From, int To, CircuitEdge Edge) b)
    {
        int c = a.From.CompareTo(b.From);
        if (c != 0) return c;
        c = a.To.CompareTo(b.To);
        if (c != 0) return c;
        c = MathF.Abs(b.Edge.Weight).CompareTo(MathF.Abs(a.Edge.Weight));
        if (c != 0) return c;
        c = (a.Edge.Target.Position ?? 0).CompareTo(b.Edge.Target.Position ?? 0);
        if (c != 0) return c;
        c = a.Edge.Target.Index.CompareTo(b.Edge.Target.Index);
        if (c != 0) return c;
        c = (a.Edge.Source.Position ?? 0).CompareTo(b.Edge.Source.Position ?? 0);
        return c != 0 ? c : a.Edge.Source.Index.CompareTo(b.Edge.Source.Index);
    }
}
