using System.Text.Encodings.Web;
using System.Text.Json;

namespace SparseCircuits.Circuits;

/// <summary>
/// circuit.json (DESIGN.md §6): the metadata, then the thresholded nodes and edges. Effects and weights are float32
/// and written as their shortest round-trip text; "ε" and other text are written as UTF-8, not escaped.
/// </summary>
internal static class CircuitJsonWriter
{
    public const int Version = 1;

    public static byte[] Serialize(Circuit circuit, CircuitSelection selection)
    {
        var metadata = circuit.Metadata;
        var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteString("model", metadata.Model);
            json.WriteString("dictionaries", metadata.Dictionaries);
            json.WriteString("data", metadata.Data);
            json.WriteString("method", metadata.Method);
            json.WriteNumber("steps", metadata.Steps);
            json.WriteString("aggregation", metadata.Aggregation);
            json.WriteNumber("node_threshold", metadata.NodeThreshold);
            json.WriteNumber("edge_threshold", metadata.EdgeThreshold);
            json.WriteNumber("examples", metadata.Examples);
            if (metadata.IsPositional && metadata.Tokens is { } tokens)
            {
                json.WriteStartArray("tokens");
                foreach (var token in tokens) json.WriteStringValue(token);
                json.WriteEndArray();
            }
            WriteNodes(json, selection.Nodes, circuit.Labels);
            WriteEdges(json, selection.Edges);
            json.WriteStartObject("metric");
            WriteDouble(json, "clean", metadata.Metric.Clean);
            WriteDouble(json, "patch", metadata.Metric.Patch);
            json.WriteEndObject();
            json.WriteStartObject("timings");
            foreach (var (phase, seconds) in metadata.Timings) WriteDouble(json, phase, seconds);
            json.WriteEndObject();
            if (metadata.Extra.Count > 0)
            {
                json.WriteStartObject("extra");
                foreach (var (key, value) in metadata.Extra)
                {
                    json.WritePropertyName(key);
                    value.WriteTo(json);
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteNodes(Utf8JsonWriter json, IReadOnlyList<CircuitNode> nodes, IReadOnlyDictionary<string, string> labels)
    {
        json.WriteStartArray("nodes");
        foreach (var node in nodes)
        {
            json.WriteStartObject();
            json.WriteString("id", node.Id);
            json.WriteString("site", node.Site);
            if (node.IsError) json.WriteString("feature", "error");
            else json.WriteNumber("feature", node.Index);
            if (node.Position is int p) json.WriteNumber("position", p);
            else json.WriteNull("position");
            json.WriteNumber("effect", Finite(node.Effect, node.Id));
            if (labels.TryGetValue(node.Name, out var label)) json.WriteString("label", label);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteEdges(Utf8JsonWriter json, IReadOnlyList<CircuitEdge> edges)
    {
        json.WriteStartArray("edges");
        foreach (var edge in edges)
        {
            json.WriteStartObject();
            json.WriteString("source", edge.Source.Id);
            json.WriteString("target", edge.Target.Id);
            json.WriteNumber("weight", Finite(edge.Weight, $"{edge.Source.Id} -> {edge.Target.Id}"));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>JSON has no NaN or infinity; a metric that is not a number is written as null.</summary>
    private static void WriteDouble(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }

    /// <summary>A selected effect can only be infinite (NaN never passes a threshold); that is a bug upstream.</summary>
    private static float Finite(float value, string what) =>
        float.IsFinite(value) ? value : throw new ArgumentException($"Circuit {what} has a non-finite value {value}; it cannot be stored in circuit.json.");
}
