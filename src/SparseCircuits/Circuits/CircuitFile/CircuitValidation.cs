using System.Text.RegularExpressions;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits;

/// <summary>The invariants of <see cref="Circuit"/> that the file format and the plots rely on.</summary>
internal static partial class CircuitValidation
{
    /// <summary>Site names become node ids ("site/123") and tensor names ("edges.up.down.values"), so they may not
    /// contain '/', '.', ',' or spaces.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex SiteName();

    public static void Validate(Circuit circuit)
    {
        var metadata = circuit.Metadata ?? throw new ArgumentException("The circuit has no metadata.");
        ValidateMetadata(metadata);
        ValidateNodes(circuit);
        ValidateEdges(circuit);
    }

    private static void ValidateMetadata(CircuitMetadata metadata)
    {
        if (!CircuitVocabulary.Aggregations.Contains(metadata.Aggregation))
            throw new ArgumentException($"Aggregation '{metadata.Aggregation}' is not one of {string.Join(", ", CircuitVocabulary.Aggregations)}.");
        if (!CircuitVocabulary.Methods.Contains(metadata.Method))
            throw new ArgumentException($"Method '{metadata.Method}' is not one of {string.Join(", ", CircuitVocabulary.Methods)}.");
        if (metadata.Steps < 0) throw new ArgumentException($"Steps {metadata.Steps} is negative.");
        if (metadata.Examples < 0) throw new ArgumentException($"Examples {metadata.Examples} is negative.");
        if (!double.IsFinite(metadata.NodeThreshold) || !double.IsFinite(metadata.EdgeThreshold))
            throw new ArgumentException($"Thresholds must be finite (node {metadata.NodeThreshold}, edge {metadata.EdgeThreshold}).");
        if (metadata.Tokens is not null && !metadata.IsPositional)
            throw new ArgumentException($"Tokens are only kept for aggregation '{CircuitVocabulary.None}', not '{metadata.Aggregation}'.");
        if (metadata.Metric is null) throw new ArgumentException("The circuit metadata has no metric.");
    }

    private static void ValidateNodes(Circuit circuit)
    {
        if (circuit.Nodes is null || circuit.Nodes.Count == 0) throw new ArgumentException("The circuit has no sites.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int rank = circuit.Metadata.IsPositional ? 2 : 1;
        int? positions = null;
        foreach (var site in circuit.Nodes)
        {
            if (site?.Site is null || site.Effects is null) throw new ArgumentException("A site of the circuit is null.");
            if (site.Site == CircuitVocabulary.Output || !SiteName().IsMatch(site.Site))
                throw new ArgumentException($"Site name '{site.Site}' is not allowed (letters, digits, '_' and '-' only; 'y' is the output).");
            if (!seen.Add(site.Site)) throw new ArgumentException($"Site '{site.Site}' appears twice.");
            if (site.Effects.Rank != rank)
                throw new ArgumentException($"Node effects of '{site.Site}' are {Shapes.Format(site.Effects.Shape)}; aggregation '{circuit.Metadata.Aggregation}' needs {(rank == 2 ? "[S, F+1]" : "[F+1]")}.");
            if (site.Effects.Dim(-1) < 1) throw new ArgumentException($"Node effects of '{site.Site}' have no error node.");
            if (rank == 2)
            {
                int s = site.Effects.Dim(0);
                if (s < 1) throw new ArgumentException($"Node effects of '{site.Site}' have no positions.");
                if (positions is int expected && s != expected)
                    throw new ArgumentException($"Node effects of '{site.Site}' have {s} positions, other sites {expected}.");
                positions = s;
            }
        }
        if (circuit.Metadata.Tokens is { } tokens && tokens.Length != positions)
            throw new ArgumentException($"{tokens.Length} tokens for {positions} positions.");
    }

    private static void ValidateEdges(Circuit circuit)
    {
        if (circuit.Edges is null) throw new ArgumentException("The circuit's edge list is null.");
        var pairs = new HashSet<(string, string)>();
        int width = circuit.EdgeIndexWidth;
        int? positions = circuit.PositionCount;
        foreach (var pair in circuit.Edges)
        {
            if (pair?.Upstream is null || pair.Downstream is null || pair.Indices is null || pair.Values is null)
                throw new ArgumentException("An edge pair of the circuit has a null field.");
            string name = $"{pair.Upstream} -> {pair.Downstream}";
            if (!pairs.Add((pair.Upstream, pair.Downstream))) throw new ArgumentException($"Edges {name} appear twice.");
            var upstream = FindSite(circuit, pair.Upstream, name);
            var downstream = pair.IntoOutput ? null : FindSite(circuit, pair.Downstream, name);
            if (circuit.SiteIndex(pair.Upstream) >= circuit.SiteIndex(pair.Downstream))
                throw new ArgumentException($"Edges {name} go against the forward site order.");
            if (pair.Indices.LongLength != (long)pair.Values.Length * width)
                throw new ArgumentException($"Edges {name}: {pair.Indices.Length} indices for {pair.Values.Length} values; aggregation '{circuit.Metadata.Aggregation}' needs {width} per edge.");

            long lastPosition = (positions ?? 1) - 1;
            for (int k = 0; k < pair.Count; k++)
            {
                var row = pair.Indices.AsSpan(k * width, width);
                var (downPosition, downIndex, upPosition, upIndex) = width == 4 ? (row[0], row[1], row[2], row[3]) : (0L, row[0], 0L, row[1]);
                if (downstream is null)
                {
                    if (downIndex != 0 || downPosition != lastPosition)
                        throw new ArgumentException($"Edges {name}: edge {k} must enter y at index 0{(width == 4 ? $" and position {lastPosition}" : "")}.");
                }
                else CheckIndex(name, k, "downstream", downPosition, downIndex, downstream, lastPosition);
                CheckIndex(name, k, "upstream", upPosition, upIndex, upstream, lastPosition);
            }
        }
    }

    private static NodeEffects FindSite(Circuit circuit, string site, string pairName)
    {
        foreach (var s in circuit.Nodes)
            if (s.Site == site) return s;
        throw new ArgumentException($"Edges {pairName}: the circuit has no site '{site}'.");
    }

    private static void CheckIndex(string pairName, int k, string end, long position, long index, NodeEffects site, long lastPosition)
    {
        if (position < 0 || position > lastPosition)
            throw new ArgumentException($"Edges {pairName}: edge {k} {end} position {position} is outside 0..{lastPosition}.");
        if (index < 0 || index > site.FeatureCount)
            throw new ArgumentException($"Edges {pairName}: edge {k} {end} index {index} is outside 0..{site.FeatureCount} (F = {site.FeatureCount}, the error node last).");
    }
}
