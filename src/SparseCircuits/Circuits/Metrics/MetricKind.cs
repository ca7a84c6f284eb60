namespace SparseCircuits.Circuits.Metrics;

/// <summary>The built-in metrics (algorithm §2), all read at the last position.</summary>
public enum MetricKind
{
    /// <summary>m = L[patch] − L[clean]: discovery on paired data (patching increases m).</summary>
    LogitDifference,

    /// <summary>m = L[clean] − L[patch]: the evaluation sign, so a faithful circuit has F(M) &gt; 0.</summary>
    EvaluationLogitDifference,

    /// <summary>m = −log softmax(L)[answer]: unpaired data (paper era).</summary>
    NegativeLogProbability,

    /// <summary>m = −L[answer]: unpaired data (reference HEAD).</summary>
    NegativeLogit,
}
