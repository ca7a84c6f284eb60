using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// The metric F is measured with (algorithm §2): the discovery metric with its sign flipped, so that the full model
/// scores high. Paired data: L[clean] − L[patch]. Unpaired data: log p(answer) (the negated −log p). Faithfulness and
/// completeness are ratios of differences, so the sign changes only the reported F(M) and F(∅).
/// </summary>
public static class EvaluationMetric
{
    public static MetricFunction For(bool paired) => paired ? CircuitMetrics.EvaluationLogitDifference : LogProbability;

    /// <summary>log softmax(L)[clean answer] at the last position, [R].</summary>
    public static Tensors.Tensor LogProbability(Models.Transformer model, Tensors.Tensor residual, MetricTargets targets) =>
        Elementwise.Neg(CircuitMetrics.NegativeLogProbability(model, residual, targets));
}
