namespace SparseCircuits.Circuits.Attribution;

/// <summary>How per-(example, position) effects are combined into a circuit's nodes (algorithm §4).</summary>
public enum NodeAggregation
{
    /// <summary>node[i] = mean over examples of Σ_s IE[b, s, i]: shape [F+1].</summary>
    Sum,

    /// <summary>node[s, i] = mean over examples of IE[b, s, i]: shape [S, F+1] (examples must have one length).</summary>
    None,

    /// <summary>node[i] = mean over examples of IE[b, S−1, i] (Jackson's fork): shape [F+1].</summary>
    Last,
}

public static class NodeAggregations
{
    public static string Name(NodeAggregation aggregation) => aggregation switch
    {
        NodeAggregation.Sum => CircuitVocabulary.Sum,
        NodeAggregation.None => CircuitVocabulary.None,
        NodeAggregation.Last => CircuitVocabulary.Last,
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation)),
    };

    public static NodeAggregation Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "sum" => NodeAggregation.Sum,
        "none" => NodeAggregation.None,
        "last" => NodeAggregation.Last,
        _ => throw new SfcInputException($"unknown aggregation '{name}' (expected sum, none or last)"),
    };
}
