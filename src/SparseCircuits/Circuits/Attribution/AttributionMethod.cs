namespace SparseCircuits.Circuits.Attribution;

/// <summary>How node effects are estimated (algorithm §3).</summary>
public enum AttributionMethod
{
    /// <summary>Integrated gradients, one site at a time (§3.2): the discovery method.</summary>
    IntegratedGradients,

    /// <summary>Attribution patching: one gradient at the clean run (§3.1).</summary>
    AttributionPatching,

    /// <summary>Exact patching: one forward per differing unit (§3.3); validation only.</summary>
    Exact,
}

/// <summary>The method names used on the command line and in circuit files.</summary>
public static class AttributionMethods
{
    public static string Name(AttributionMethod method) => method switch
    {
        AttributionMethod.IntegratedGradients => "ig",
        AttributionMethod.AttributionPatching => "atp",
        AttributionMethod.Exact => "exact",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static AttributionMethod Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "ig" => AttributionMethod.IntegratedGradients,
        "atp" or "attrib" => AttributionMethod.AttributionPatching,
        "exact" => AttributionMethod.Exact,
        _ => throw new SfcInputException($"unknown method '{name}' (expected ig, atp or exact)"),
    };
}
