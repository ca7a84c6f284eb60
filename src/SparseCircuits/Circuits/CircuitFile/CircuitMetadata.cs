using System.Text.Json;

namespace SparseCircuits.Circuits;

/// <summary>
/// What a circuit was computed from and how (DESIGN.md §6): everything in circuit.json except the nodes and edges.
/// </summary>
public sealed record CircuitMetadata
{
    /// <summary>The model folder or name.</summary>
    public required string Model { get; init; }

    /// <summary>The dictionary-set folder.</summary>
    public required string Dictionaries { get; init; }

    /// <summary>The data file.</summary>
    public required string Data { get; init; }

    /// <summary>"ig", "atp" or "exact" (<see cref="CircuitVocabulary.Methods"/>).</summary>
    public required string Method { get; init; }

    /// <summary>Integrated-gradient steps (1 for attribution patching).</summary>
    public required int Steps { get; init; }

    /// <summary>"sum", "none" or "last" (<see cref="CircuitVocabulary.Aggregations"/>).</summary>
    public required string Aggregation { get; init; }

    /// <summary>T_N: a node is in the circuit when |effect| > T_N (strict).</summary>
    public required double NodeThreshold { get; init; }

    /// <summary>T_E: an edge is in the circuit when both endpoints are and |weight| > T_E (strict).</summary>
    public required double EdgeThreshold { get; init; }

    /// <summary>How many examples the effects are averaged over.</summary>
    public required int Examples { get; init; }

    /// <summary>The token text of each position; only for aggregation "none" (null otherwise).</summary>
    public string[]? Tokens { get; init; }

    public required CircuitMetric Metric { get; init; }

    /// <summary>Seconds per phase, in the order they should be shown.</summary>
    public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();

    /// <summary>Free-form additions (written under "extra" in circuit.json).</summary>
    public IReadOnlyDictionary<string, JsonElement> Extra { get; init; } = new Dictionary<string, JsonElement>();

    public bool IsPositional => Aggregation == CircuitVocabulary.None;
}
