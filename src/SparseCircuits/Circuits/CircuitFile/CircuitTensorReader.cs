using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits;

/// <summary>Reads the dense node effects and the edge pairs of circuit.safetensors (layout in
/// <see cref="CircuitTensors"/>), checking names, dtypes and shapes.</summary>
internal static class CircuitTensorReader
{
    public static (List<NodeEffects> Nodes, List<EdgeEffects> Edges) Read(SafetensorsFile file, string aggregation)
    {
        var path = file.Path;
        if (!file.Metadata.TryGetValue(CircuitTensors.FormatKey, out var format) || format != CircuitTensors.Format)
            throw SfcInputException.ForFile(path, $"not a circuit file: metadata \"{CircuitTensors.FormatKey}\" is {(format is null ? "missing" : $"'{format}'")}, expected '{CircuitTensors.Format}'");
        if (file.Metadata.TryGetValue(CircuitTensors.AggregationKey, out var stored) && stored != aggregation)
            throw SfcInputException.ForFile(path, $"aggregation '{stored}' differs from the circuit.json's '{aggregation}'");

        var sites = Sites(file);
        var nodes = new List<NodeEffects>();
        foreach (var site in sites)
        {
            var name = CircuitTensors.NodesName(site);
            if (!file.Contains(name)) throw SfcInputException.ForFile(path, $"site '{site}' has no tensor '{name}'");
            RequireDType(file, name, StoredDType.F32);
            nodes.Add(new NodeEffects(site, file.ReadTensor(name)));
        }

        int width = aggregation == CircuitVocabulary.None ? 4 : 2;
        var edges = new List<EdgeEffects>();
        var known = new HashSet<string>(sites, StringComparer.Ordinal) { CircuitVocabulary.Output };
        foreach (var name in file.Names.OrderBy(n => n, StringComparer.Ordinal))
        {
            if (name.StartsWith(CircuitTensors.NodesPrefix, StringComparison.Ordinal))
            {
                if (!sites.Contains(name[CircuitTensors.NodesPrefix.Length..]))
                    throw SfcInputException.ForFile(path, $"tensor '{name}' is for a site missing from the metadata \"{CircuitTensors.SitesKey}\"");
                continue;
            }
            if (!name.StartsWith(CircuitTensors.EdgesPrefix, StringComparison.Ordinal))
                throw SfcInputException.ForFile(path, $"unexpected tensor '{name}' in a circuit file");
            if (!name.EndsWith(CircuitTensors.ValuesSuffix, StringComparison.Ordinal))
            {
                if (!name.EndsWith(CircuitTensors.IndicesSuffix, StringComparison.Ordinal))
                    throw SfcInputException.ForFile(path, $"unexpected tensor '{name}' in a circuit file");
                continue; // read with its values
            }
            var parts = name.Split('.');
            if (parts.Length != 4 || !known.Contains(parts[1]) || !known.Contains(parts[2]))
                throw SfcInputException.ForFile(path, $"tensor '{name}' does not name two known sites as edges.{{up}}.{{down}}.values");
            edges.Add(ReadPair(file, parts[1], parts[2], width));
        }
        foreach (var name in file.Names.Where(n => n.EndsWith(CircuitTensors.IndicesSuffix, StringComparison.Ordinal)))
        {
            var values = name[..^CircuitTensors.IndicesSuffix.Length] + CircuitTensors.ValuesSuffix;
            if (!file.Contains(values)) throw SfcInputException.ForFile(path, $"tensor '{name}' has no '{values}'");
        }
        edges.Sort((a, b) => (Order(sites, a.Upstream), Order(sites, a.Downstream)).CompareTo((Order(sites, b.Upstream), Order(sites, b.Downstream))));
        return (nodes, edges);
    }

    private static int Order(List<string> sites, string site) => site == CircuitVocabulary.Output ? sites.Count : sites.IndexOf(site);

    private static List<string> Sites(SafetensorsFile file)
    {
        if (!file.Metadata.TryGetValue(CircuitTensors.SitesKey, out var json))
            throw SfcInputException.ForFile(file.Path, $"metadata \"{CircuitTensors.SitesKey}\" (the sites in forward order) is missing");
        try
        {
            var sites = JsonSerializer.Deserialize<List<string>>(json);
            if (sites is null || sites.Count == 0 || sites.Any(string.IsNullOrEmpty)) throw new JsonException("empty");
            return sites;
        }
        catch (JsonException)
        {
            throw SfcInputException.ForFile(file.Path, $"metadata \"{CircuitTensors.SitesKey}\" is not a JSON list of site names");
        }
    }

    private static EdgeEffects ReadPair(SafetensorsFile file, string upstream, string downstream, int width)
    {
        string indicesName = CircuitTensors.IndicesName(upstream, downstream);
        string valuesName = CircuitTensors.ValuesName(upstream, downstream);
        if (!file.Contains(indicesName)) throw SfcInputException.ForFile(file.Path, $"tensor '{valuesName}' has no '{indicesName}'");
        RequireDType(file, indicesName, StoredDType.I64);
        RequireDType(file, valuesName, StoredDType.F32);
        var valuesInfo = file.Info(valuesName);
        var indicesInfo = file.Info(indicesName);
        if (valuesInfo.Shape.Length != 1)
            throw SfcInputException.ForFile(file.Path, $"tensor '{valuesName}' is {Shapes.Format(valuesInfo.Shape)}, expected [k]");
        int k = valuesInfo.Shape[0];
        if (!indicesInfo.Shape.AsSpan().SequenceEqual([k, width]))
            throw SfcInputException.ForFile(file.Path, $"tensor '{indicesName}' is {Shapes.Format(indicesInfo.Shape)}, expected [{k}, {width}] for {k} values");
        return new EdgeEffects(upstream, downstream, file.ReadInt64(indicesName), file.ReadTensor(valuesName).ToArray());
    }

    private static void RequireDType(SafetensorsFile file, string name, StoredDType dtype)
    {
        var actual = file.Info(name).DType;
        if (actual != dtype)
            throw SfcInputException.ForFile(file.Path, $"tensor '{name}' is {actual.SafetensorsTag()}, expected {dtype.SafetensorsTag()}");
    }
}
