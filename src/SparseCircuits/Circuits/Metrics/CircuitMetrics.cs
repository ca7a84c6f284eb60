using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Circuits.Metrics;

/// <summary>
/// The built-in metrics of algorithm §2. Logit metrics unembed only the vocabulary columns they read (DESIGN §7);
/// −log p needs the whole distribution. Every metric reads the last position only.
/// </summary>
public static class CircuitMetrics
{
    public static MetricFunction Get(MetricKind kind) => kind switch
    {
        MetricKind.LogitDifference => LogitDifference,
        MetricKind.EvaluationLogitDifference => EvaluationLogitDifference,
        MetricKind.NegativeLogProbability => NegativeLogProbability,
        MetricKind.NegativeLogit => NegativeLogit,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The discovery metric for the data: logit difference for pairs, −log p(answer) without patches.</summary>
    public static MetricKind DefaultFor(bool paired) => paired ? MetricKind.LogitDifference : MetricKind.NegativeLogProbability;

    /// <summary>L[patch] − L[clean] at the last position, [R].</summary>
    public static Tensor LogitDifference(Transformer model, Tensor residual, MetricTargets targets) =>
        Difference(model, residual, targets.RequirePatchAnswers(), targets.CleanAnswers);

    /// <summary>L[clean] − L[patch] at the last position, [R].</summary>
    public static Tensor EvaluationLogitDifference(Transformer model, Tensor residual, MetricTargets targets) =>
        Difference(model, residual, targets.CleanAnswers, targets.RequirePatchAnswers());

    /// <summary>−log softmax(L)[clean answer] at the last position, [R].</summary>
    public static Tensor NegativeLogProbability(Transformer model, Tensor residual, MetricTargets targets)
    {
        var logits = model.Unembed(model.FinalNorm(LastPosition(residual)));
        return Losses.NegativeLogLikelihoodPerRow(logits, targets.CleanAnswers);
    }

    /// <summary>−L[clean answer] at the last position, [R].</summary>
    public static Tensor NegativeLogit(Transformer model, Tensor residual, MetricTargets targets) =>
        Elementwise.Neg(Logits(model, LastPosition(residual), targets.CleanAnswers));

    /// <summary>True for the metrics defined here, all of which read only the last position (so a caller may compute
    /// the top block for that position alone). A metric of the caller's own is assumed to read anything.</summary>
    public static bool IsBuiltIn(MetricFunction metric) =>
        metric.Target is null && metric.Method.DeclaringType == typeof(CircuitMetrics)
        && metric.Method.Name is nameof(LogitDifference) or nameof(EvaluationLogitDifference) or nameof(NegativeLogProbability) or nameof(NegativeLogit);

    /// <summary>The residual stream at the last position, [R, S, d] → [R, d] (differentiable).</summary>
    public static Tensor LastPosition(Tensor residual)
    {
        if (residual.Rank != 3) throw new ArgumentException($"Residual stream {residual} must be [R, S, d].");
        int r = residual.Dim(0), s = residual.Dim(1), d = residual.Dim(2);
        var rows = Enumerable.Range(0, r).Select(i => i * s + s - 1).ToArray();
        return Indexing.GatherRows(Shaping.Reshape(residual, r * s, d), rows);
    }

    private static Tensor Difference(Transformer model, Tensor residual, int[] plus, int[] minus)
    {
        var last = LastPosition(residual);
        return Elementwise.Sub(Logits(model, last, plus), Logits(model, last, minus));
    }

    /// <summary>Row r's logit of <paramref name="ids"/>[r], [R], unembedding only the distinct ids needed.</summary>
    private static Tensor Logits(Transformer model, Tensor last, int[] ids)
    {
        int rows = last.Dim(0);
        if (ids.Length != rows) throw new ArgumentException($"{ids.Length} answer ids for {rows} sequences.");
        var columns = ids.Distinct().ToArray();
        var columnOf = columns.Select((id, c) => (id, c)).ToDictionary(p => p.id, p => p.c);
        var selected = model.UnembedColumns(model.FinalNorm(last), columns);
        var flat = Enumerable.Range(0, rows).Select(r => r * columns.Length + columnOf[ids[r]]).ToArray();
        return Shaping.Reshape(Indexing.GatherColumns(Shaping.Reshape(selected, 1, rows * columns.Length), flat), rows);
    }
}
