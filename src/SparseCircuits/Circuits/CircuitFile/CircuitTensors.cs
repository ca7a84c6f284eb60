using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits;

/// <summary>
/// The layout of circuit.safetensors (DESIGN.md §6): <c>nodes.{site}</c> float32 dense effects,
/// <c>edges.{up}.{down}.indices</c> int64 [k, 2|4] and <c>edges.{up}.{down}.values</c> float32 [k]; metadata
/// "format" = <see cref="Format"/>, "aggregation", and "sites" (a JSON list in forward order, because tensor order
/// in the file is alphabetical and circuit.json keeps only the nodes above the threshold).
/// </summary>
internal static class CircuitTensors
{
    public const string Format = "sparsecircuits-circuit-v1";
    public const string FormatKey = "format";
    public const string SitesKey = "sites";
    public const string AggregationKey = "aggregation";
    public const string NodesPrefix = "nodes.";
    public const string EdgesPrefix = "edges.";
    public const string IndicesSuffix = ".indices";
    public const string ValuesSuffix = ".values";

    public static string NodesName(string site) => NodesPrefix + site;

    public static string IndicesName(string upstream, string downstream) => $"{EdgesPrefix}{upstream}.{downstream}{IndicesSuffix}";

    public static string ValuesName(string upstream, string downstream) => $"{EdgesPrefix}{upstream}.{downstream}{ValuesSuffix}";

    public static List<SafetensorsEntry> Entries(Circuit circuit)
    {
        var entries = new List<SafetensorsEntry>();
        foreach (var site in circuit.Nodes) entries.Add(SafetensorsEntry.Float32(NodesName(site.Site), site.Effects));
        int width = circuit.EdgeIndexWidth;
        foreach (var pair in circuit.Edges)
        {
            entries.Add(SafetensorsEntry.Int64(IndicesName(pair.Upstream, pair.Downstream), pair.Indices, pair.Count, width));
            entries.Add(SafetensorsEntry.Float32(ValuesName(pair.Upstream, pair.Downstream), Tensor.FromArray(pair.Values, pair.Count)));
        }
        return entries;
    }

    public static Dictionary<string, string> Metadata(Circuit circuit) => new()
    {
        [FormatKey] = Format,
        [AggregationKey] = circuit.Metadata.Aggregation,
        [SitesKey] = JsonSerializer.Serialize(circuit.Nodes.Select(n => n.Site).ToArray()),
    };
}
