namespace SparseCircuits.Circuits;

/// <summary>The fixed words of the circuit file: aggregation modes, effect methods and the output node.</summary>
public static class CircuitVocabulary
{
    /// <summary>Node effects summed over positions, [F+1] per site.</summary>
    public const string Sum = "sum";

    /// <summary>Node effects kept per position, [S, F+1] per site.</summary>
    public const string None = "none";

    /// <summary>Only the last position, [F+1] per site.</summary>
    public const string Last = "last";

    public const string IntegratedGradients = "ig";
    public const string AttributionPatching = "atp";
    public const string ExactPatching = "exact";

    /// <summary>The output node: the metric. Edges into it have downstream "y", downstream index 0 (and, for
    /// aggregation "none", downstream position S−1).</summary>
    public const string Output = "y";

    /// <summary>How the error node's feature is printed in node ids.</summary>
    public const string ErrorFeature = "ε";

    public static IReadOnlyList<string> Aggregations { get; } = [Sum, None, Last];

    public static IReadOnlyList<string> Methods { get; } = [IntegratedGradients, AttributionPatching, ExactPatching];
}
