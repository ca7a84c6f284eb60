using SparseCircuits.Circuits.Metrics;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>How <see cref="CircuitEvaluator"/> evaluates a circuit. The defaults are the reference's
/// (<c>ablation.py</c>): mean ablation, error nodes thresholded like features, every layer evaluated.</summary>
public sealed record EvaluationOptions
{
    public AblationKind Ablation { get; init; } = AblationKind.Mean;

    public ErrorHandling Errors { get; init; } = ErrorHandling.Default;

    /// <summary>Sites of layers below this are neither ablated nor counted ("given for free"); the embedding counts as
    /// layer −1, so −1 evaluates every site and 2 leaves the embedding and layers 0–1 untouched.</summary>
    public int StartLayer { get; init; } = -1;

    /// <summary>Node thresholds T: a node is in the circuit when |effect| &gt; T.</summary>
    public IReadOnlyList<double> Thresholds { get; init; } = EvaluationThresholds.Default;

    /// <summary>Also score random circuits with as many nodes as each threshold's (Bernoulli masks at equal density).</summary>
    public bool RandomBaseline { get; init; }

    /// <summary>Seeds resampling and the random circuits.</summary>
    public int Seed { get; init; }

    /// <summary>Examples per forward pass (memory only: the results do not depend on it).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The metric; null picks <see cref="EvaluationMetric.For"/> the data.</summary>
    public MetricFunction? Metric { get; init; }
}
