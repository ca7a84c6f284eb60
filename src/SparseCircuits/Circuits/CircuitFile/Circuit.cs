namespace SparseCircuits.Circuits;

/// <summary>
/// A computed circuit, in memory: dense node effects for every site (in forward site order) and the computed edges
/// between sites, not thresholded (DESIGN.md §6). <see cref="Threshold"/> gives the nodes and edges above the
/// thresholds; <see cref="CircuitWriter"/> and <see cref="CircuitReader"/> store it as circuit.json + .safetensors.
/// </summary>
public sealed record Circuit(CircuitMetadata Metadata, IReadOnlyList<NodeEffects> Nodes, IReadOnlyList<EdgeEffects> Edges)
{
    /// <summary>Human labels by node name without position (<c>resid_5/3036</c>), written as "label" in circuit.json.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>S for position-aligned circuits (aggregation "none"), null otherwise.</summary>
    public int? PositionCount => Metadata.IsPositional && Nodes.Count > 0 ? Nodes[0].Effects.Dim(0) : null;

    /// <summary>Numbers per edge in <see cref="EdgeEffects.Indices"/>: 4 for aggregation "none", else 2.</summary>
    public int EdgeIndexWidth => Metadata.IsPositional ? 4 : 2;

    /// <summary>The site's place in forward order; the output "y" comes after every site.</summary>
    public int SiteIndex(string site)
    {
        if (site == CircuitVocabulary.Output) return Nodes.Count;
        for (int i = 0; i < Nodes.Count; i++)
            if (Nodes[i].Site == site) return i;
        throw new ArgumentException($"The circuit has no site '{site}'.", nameof(site));
    }

    public NodeEffects Site(string site) => Nodes[SiteIndex(site)];

    /// <summary>The largest |effect| over every node of every site (what plots scale colours by).</summary>
    public float MaxAbsEffect()
    {
        float max = 0;
        foreach (var site in Nodes)
            foreach (float effect in site.Effects.Span)
                if (MathF.Abs(effect) > max) max = MathF.Abs(effect);
        return max;
    }

    /// <summary>The nodes and edges above the thresholds (see <see cref="CircuitSelection"/>).</summary>
    public CircuitSelection Threshold(double nodeThreshold, double edgeThreshold, bool positiveOnly = false) =>
        CircuitThreshold.Select(this, nodeThreshold, edgeThreshold, positiveOnly);

    /// <summary>The nodes and edges above the thresholds stored in the metadata.</summary>
    public CircuitSelection Threshold() => Threshold(Metadata.NodeThreshold, Metadata.EdgeThreshold);

    /// <summary>Checks shapes, names and index ranges; throws <see cref="ArgumentException"/> naming the problem.</summary>
    public void Validate() => CircuitValidation.Validate(this);
}
