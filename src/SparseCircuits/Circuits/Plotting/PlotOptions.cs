namespace SparseCircuits.Circuits.Plotting;

/// <summary>How to draw a circuit (algorithm §11). Thresholds left null use those stored in the circuit.</summary>
public sealed record PlotOptions
{
    /// <summary>T_N for drawing; null: the circuit's own node threshold.</summary>
    public double? NodeThreshold { get; init; }

    /// <summary>T_E for drawing; null: the circuit's own edge threshold.</summary>
    public double? EdgeThreshold { get; init; }

    /// <summary>An edge is drawn |weight| × this many points wide.</summary>
    public double PenThickness { get; init; } = 1;

    /// <summary>Draw only nodes whose effect is above T_N (not below −T_N).</summary>
    public bool PositiveOnly { get; init; }

    /// <summary>Human labels by node name without position (<c>resid_5/3036</c>); they replace the node's name and
    /// take precedence over the circuit's own labels (see <see cref="FeatureAnnotations"/>).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
