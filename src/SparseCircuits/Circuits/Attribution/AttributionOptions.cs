using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>How <see cref="NodeAttributor"/> computes node effects.</summary>
public sealed record AttributionOptions
{
    public AttributionMethod Method { get; init; } = AttributionMethod.IntegratedGradients;

    /// <summary>Integrated-gradient steps N (α = k/N, k = 0..N−1).</summary>
    public int Steps { get; init; } = 10;

    /// <summary>The metric; null picks <see cref="CircuitMetrics.DefaultFor"/> the data. Sites are attributed side by side,
    /// so a metric of the caller's own is called from several threads at once and must not keep state between calls.</summary>
    public MetricFunction? Metric { get; init; }

    /// <summary>Forward-pass variants (frozen attention patterns or norm scales).</summary>
    public ForwardOptions? Forward { get; init; }

    /// <summary>Exact patching: how many patched sequences run in one forward pass.</summary>
    public int ExactChunk { get; init; } = 256;
}
