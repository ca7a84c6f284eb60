using System.Text.Json;

namespace SparseCircuits.Circuits;

/// <summary>Reads circuit.json (written by <see cref="CircuitJsonWriter"/>): its metadata, its labels, and checks
/// that its nodes and edges are those of the dense tensors read beside it.</summary>
internal static class CircuitJsonReader
{
    public static CircuitMetadata Metadata(JsonFields root)
    {
        int version = root.Int("version");
        if (version != CircuitJsonWriter.Version)
            throw root.Error($"circuit file version {version} is not supported (this build reads version {CircuitJsonWriter.Version})");
        string aggregation = root.String("aggregation");
        if (!CircuitVocabulary.Aggregations.Contains(aggregation))
            throw root.Error($"\"aggregation\" '{aggregation}' is not one of {string.Join(", ", CircuitVocabulary.Aggregations)}");
        string method = root.String("method");
        if (!CircuitVocabulary.Methods.Contains(method))
            throw root.Error($"\"method\" '{method}' is not one of {string.Join(", ", CircuitVocabulary.Methods)}");

        string[]? tokens = null;
        if (root.Has("tokens"))
        {
            if (aggregation != CircuitVocabulary.None) throw root.Error($"\"tokens\" are only kept for aggregation '{CircuitVocabulary.None}'");
            tokens = root.Get("tokens", JsonValueKind.Array).EnumerateArray()
                .Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : throw root.Error("\"tokens\" must be strings"))
                .ToArray();
        }
        var metric = root.Child("metric");
        return new CircuitMetadata
        {
            Model = root.String("model"),
            Dictionaries = root.String("dictionaries"),
            Data = root.String("data"),
            Method = method,
            Steps = root.Int("steps"),
            Aggregation = aggregation,
            NodeThreshold = root.Double("node_threshold"),
            EdgeThreshold = root.Double("edge_threshold"),
            Examples = root.Int("examples"),
            Tokens = tokens,
            Metric = new CircuitMetric(metric.DoubleOrNaN("clean"), metric.DoubleOrNaN("patch")),
            Timings = root.Has("timings") ? Timings(root.Child("timings")) : new Dictionary<string, double>(),
            Extra = root.Has("extra")
                ? root.Child("extra").Element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())
                : new Dictionary<string, JsonElement>(),
        };
    }

    public static Dictionary<string, string> Labels(JsonFields root)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in Nodes(root))
            if (node.Fields.Has("label")) labels[Name(node.Fields)] = node.Fields.String("label");
        return labels;
    }

    /// <summary>Every node and edge of the JSON must be in the tensors, with the same value: otherwise the two files
    /// come from different runs.</summary>
    public static void CheckAgainst(JsonFields root, Circuit circuit, string tensorsName)
    {
        var ids = new Dictionary<string, (string Site, int Position, int Index)>(StringComparer.Ordinal);
        foreach (var (element, i) in Nodes(root))
        {
            string id = element.String("id");
            var fields = root.Nested(element.Element, $"nodes[{i}] ({id}): ");
            string siteName = fields.String("site");
            var site = circuit.Nodes.FirstOrDefault(n => n.Site == siteName)
                ?? throw fields.Error($"site '{siteName}' is not in {tensorsName}");
            var feature = fields.Get("feature");
            int index = feature.ValueKind == JsonValueKind.String && feature.GetString() == "error" ? site.FeatureCount
                : feature.ValueKind == JsonValueKind.Number && feature.TryGetInt32(out int f) && f >= 0 && f < site.FeatureCount ? f
                : throw fields.Error($"\"feature\" {feature.GetRawText()} is neither \"error\" nor a feature of '{siteName}' (F = {site.FeatureCount})");
            int? position = null;
            if (circuit.PositionCount is int positions)
            {
                position = fields.Int("position");
                if (position < 0 || position >= positions) throw fields.Error($"\"position\" {position} is outside 0..{positions - 1}");
            }
            else if (fields.Has("position")) throw fields.Error($"\"position\" must be null for aggregation '{circuit.Metadata.Aggregation}'");

            var expected = new CircuitNode(siteName, position, index, index == site.FeatureCount, 0f);
            if (id != expected.Id) throw fields.Error($"\"id\" '{id}' does not match its fields ('{expected.Id}')");
            float effect = fields.Single("effect");
            float stored = site.Effect(position, index);
            if (!effect.Equals(stored))
                throw fields.Error($"effect {effect} differs from {stored} in {tensorsName}; the two files are not from the same run");
            ids[id] = (siteName, position ?? 0, index);
        }
        CheckEdges(root, circuit, tensorsName, ids);
    }

    private static void CheckEdges(JsonFields root, Circuit circuit, string tensorsName, Dictionary<string, (string Site, int Position, int Index)> ids)
    {
        var lookups = new Dictionary<(string, string), Dictionary<(long, long, long, long), float>>();
        int i = 0;
        foreach (var element in root.Get("edges", JsonValueKind.Array).EnumerateArray())
        {
            var fields = root.Nested(element, $"edges[{i++}]: ");
            string source = fields.String("source"), target = fields.String("target");
            if (!ids.TryGetValue(source, out var up)) throw fields.Error($"\"source\" '{source}' is not one of the nodes");
            (string Site, int Position, int Index) down = (CircuitVocabulary.Output, (circuit.PositionCount ?? 1) - 1, 0);
            if (target != CircuitVocabulary.Output && !ids.TryGetValue(target, out down))
                throw fields.Error($"\"target\" '{target}' is not one of the nodes");
            var pair = (up.Site, down.Site);
            if (!lookups.TryGetValue(pair, out var lookup))
            {
                var stored = circuit.Edges.FirstOrDefault(e => e.Upstream == up.Site && e.Downstream == down.Site)
                    ?? throw fields.Error($"{tensorsName} has no edges from {up.Site} to {down.Site}");
                lookups[pair] = lookup = Lookup(stored, circuit.EdgeIndexWidth);
            }
            float weight = fields.Single("weight");
            if (!lookup.TryGetValue((down.Position, down.Index, up.Position, up.Index), out float storedWeight) || !weight.Equals(storedWeight))
                throw fields.Error($"edge {source} -> {target} (weight {weight}) is not in {tensorsName}; the two files are not from the same run");
        }
    }

    private static Dictionary<(long, long, long, long), float> Lookup(EdgeEffects pair, int width)
    {
        var lookup = new Dictionary<(long, long, long, long), float>(pair.Count);
        for (int k = 0; k < pair.Count; k++)
        {
            var row = pair.Indices.AsSpan(k * width, width);
            lookup[width == 4 ? (row[0], row[1], row[2], row[3]) : (0, row[0], 0, row[1])] = pair.Values[k];
        }
        return lookup;
    }

    private static IEnumerable<(JsonFields Fields, int Index)> Nodes(JsonFields root)
    {
        int i = 0;
        foreach (var element in root.Get("nodes", JsonValueKind.Array).EnumerateArray())
        {
            yield return (root.Nested(element, $"nodes[{i}]: "), i);
            i++;
        }
    }

    private static string Name(JsonFields node)
    {
        var feature = node.Get("feature");
        string site = node.String("site");
        return feature.ValueKind == JsonValueKind.String
            ? NodeIds.Name(site, 0, isError: true)
            : NodeIds.Name(site, feature.TryGetInt32(out int f) ? f : throw node.Error("\"feature\" is not an integer"), isError: false);
    }

    private static Dictionary<string, double> Timings(JsonFields timings)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var property in timings.Element.EnumerateObject()) result[property.Name] = timings.DoubleOrNaN(property.Name);
        return result;
    }
}
