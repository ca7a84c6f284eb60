namespace SparseCircuits.Circuits.Evaluation;

/// <summary>What an ablated node is set to (algorithm §7, pass 1): statistics of the patch run (the clean run for
/// unpaired data) at the same site.</summary>
public enum AblationKind
{
    /// <summary>The per-position mean over the examples (the reference default).</summary>
    Mean,

    /// <summary>Zero features and zero error: the site becomes the decoder bias.</summary>
    Zero,

    /// <summary>Another example's values: example rows drawn with replacement (seeded), once per sweep.</summary>
    Resample,
}

public static class AblationKinds
{
    public static string Name(AblationKind kind) => kind switch
    {
        AblationKind.Mean => "mean",
        AblationKind.Zero => "zero",
        AblationKind.Resample => "resample",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static AblationKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mean" => AblationKind.Mean,
        "zero" => AblationKind.Zero,
        "resample" => AblationKind.Resample,
        _ => throw new SfcInputException($"--ablation: unknown ablation '{name}' (expected mean, zero or resample)"),
    };
}
