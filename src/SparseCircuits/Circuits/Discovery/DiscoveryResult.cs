using System.Text.Json;

namespace SparseCircuits.Circuits.Discovery;

/// <summary>
/// What <see cref="CircuitDiscovery"/> computed: node effects, edges (empty with nodes only), the metric, and the time
/// spent per phase ("nodes", "edges") and per site or edge type ("nodes.resid_1", "edges.attn_1->resid_1").
/// </summary>
public sealed record DiscoveryResult(
    IReadOnlyList<NodeEffects> Nodes,
    IReadOnlyList<EdgeEffects> Edges,
    CircuitMetric Metric,
    int Examples,
    IReadOnlyDictionary<string, double> Timings,
    DiscoveryOptions Options)
{
    /// <summary>The circuit file contents, with where the inputs came from.</summary>
    /// <param name="model">Model folder or name.</param>
    /// <param name="dictionaries">Dictionary-set folder (or "neurons").</param>
    /// <param name="data">Data file.</param>
    /// <param name="tokens">Token texts per position, for aggregation "none".</param>
    /// <param name="extraTimings">More timings to record (loading, data).</param>
    /// <param name="extra">More metadata fields.</param>
    public Circuit ToCircuit(string model, string dictionaries, string data, string[]? tokens = null,
        IReadOnlyDictionary<string, double>? extraTimings = null, IReadOnlyDictionary<string, JsonElement>? extra = null)
    {
        var timings = new Dictionary<string, double>();
        foreach (var (k, v) in extraTimings ?? new Dictionary<string, double>()) timings[k] = v;
        foreach (var (k, v) in Timings) timings[k] = v;
        var fields = new Dictionary<string, JsonElement>
        {
            ["edges"] = JsonSerializer.SerializeToElement(Options.NodesOnly ? "not requested (--nodes-only)" : "computed (stop-gradient edge types, algorithm §5.3)"),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, JsonElement>()) fields[k] = v;
        var a = Options.Attribution;
        var metadata = new CircuitMetadata
        {
            Model = model,
            Dictionaries = dictionaries,
            Data = data,
            Method = Attribution.AttributionMethods.Name(a.Method),
            Steps = a.Method == Attribution.AttributionMethod.IntegratedGradients ? a.Steps : 1,
            Aggregation = Attribution.NodeAggregations.Name(Options.Aggregation),
            NodeThreshold = Options.NodeThreshold,
            EdgeThreshold = Options.EdgeThreshold,
            Examples = Examples,
            Tokens = Options.Aggregation == Attribution.NodeAggregation.None ? tokens : null,
            Metric = Metric,
            Timings = timings,
            Extra = fields,
        };
        return new Circuit(metadata, Nodes, Edges);
    }
}
