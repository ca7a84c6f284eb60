using SparseCircuits.Circuits.Attribution;

namespace SparseCircuits.Circuits.Discovery;

/// <summary>How <see cref="CircuitDiscovery"/> finds a circuit; the defaults are <c>sfc circuit</c>'s (algorithm §12).</summary>
public sealed record DiscoveryOptions
{
    /// <summary>Node-effect method, number of IG steps, metric and forward variants.</summary>
    public AttributionOptions Attribution { get; init; } = new();

    public NodeAggregation Aggregation { get; init; } = NodeAggregation.Sum;

    /// <summary>T_N: a node is in the circuit when |effect| &gt; T_N; edges are computed between such nodes only.</summary>
    public double NodeThreshold { get; init; } = 0.2;

    /// <summary>T_E, recorded in the circuit file (readers threshold edges with it).</summary>
    public double EdgeThreshold { get; init; } = 0.02;

    /// <summary>Compute node effects only.</summary>
    public bool NodesOnly { get; init; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The first invalid setting, named as the CLI flag, or null.</summary>
    public string? Problem() =>
        BatchSize < 1 ? "--batch-size must be at least 1"
        : Attribution.Steps < 1 ? "--steps must be at least 1"
        // Edge weights are ḡ_D · Jacobian · Δ_U with ḡ the node gradients (algorithm §5.1); exact patching has none, and the
        // reference computes edges from integrated gradients only (HEAD) or fails (Jackson's fork with method 'exact').
        : Attribution.Method == AttributionMethod.Exact && !NodesOnly
            ? "--method exact gives node effects only (edge weights need the gradients of --method ig or atp): add --nodes-only, or use --method ig"
        : null;
}
