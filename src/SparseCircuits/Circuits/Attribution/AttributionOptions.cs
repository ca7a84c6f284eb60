using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>How <see cref="NodeAttributor"/> computes node effects.</summary>
public sealed record AttributionOptions
{
    public AttributionMethod Method { get; init; } = AttributionMethod.IntegratedGradients;

    /// <summary>Integrated-gradient steps N (α = k/N, k = 0..N−1).</summary>
    public int Steps { get; init; } = 10;

    /// <summary>The metric; null picks <see cref="CircuitMetrics.DefaultFor"/> the data.</summary>
    public MetricFunction? Metric { get; init; }

    /// <summary>Forward-pass variants (frozen attention patterns or norm scales).</summary>
    public ForwardOptions? Forward { get; init; }

    /// <summary>Exact patching: how many patched sequences run in one forward pass.</summary>
    public int ExactChunk { get; init; } = 256;
}
