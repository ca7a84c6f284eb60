using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Which nodes of one site a run keeps: F features then the error node (index F), either once for every position
/// (<see cref="Positions"/> = 1: circuits aggregated with "sum" or "last") or per position (aggregation "none").
/// Nodes not kept are ablated.
/// </summary>
public sealed class SiteMask
{
    private readonly bool[] kept;

    /// <param name="kept">[Positions·(F+1)], row-major, the error node last in each row.</param>
    public SiteMask(Site site, int featureCount, int positions, bool[] kept)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(positions, 1);
        if (kept.Length != (long)positions * (featureCount + 1))
            throw new ArgumentException($"{kept.Length} mask entries for {positions} position(s) of {featureCount} features + error.");
        Site = site;
        FeatureCount = featureCount;
        Positions = positions;
        this.kept = kept;
    }

    public Site Site { get; }

    /// <summary>F; the error node has this index.</summary>
    public int FeatureCount { get; }

    /// <summary>1 when the same nodes are kept at every position, else S.</summary>
    public int Positions { get; }

    /// <summary>Whether node <paramref name="index"/> (F = the error node) is kept at <paramref name="position"/>
    /// (ignored when the mask is shared by every position).</summary>
    public bool Keeps(int position, int index) => kept[Row(position) * (FeatureCount + 1) + index];

    /// <summary>The mask row used at <paramref name="position"/>: F feature entries then the error entry.</summary>
    public ReadOnlySpan<bool> RowAt(int position) => kept.AsSpan(Row(position) * (FeatureCount + 1), FeatureCount + 1);

    /// <summary>Kept nodes, features and errors, over the mask's positions.</summary>
    public int Count => kept.Count(k => k);

    /// <summary>Every node of the mask: Positions·(F+1).</summary>
    public int Size => kept.Length;

    /// <summary>The nodes this mask ablates kept, and the other way round.</summary>
    public SiteMask Complement() => new(Site, FeatureCount, Positions, kept.Select(k => !k).ToArray());

    /// <summary>The nodes with |effect| &gt; <paramref name="threshold"/> (strict, in float32 as the reference compares
    /// its float32 effects): [F+1] effects give a shared mask, [S, F+1] a per-position one.</summary>
    public static SiteMask FromEffects(Site site, NodeEffects effects, double threshold)
    {
        float limit = (float)threshold;
        var values = effects.Effects.Span;
        var mask = new bool[values.Length];
        for (int i = 0; i < values.Length; i++) mask[i] = MathF.Abs(values[i]) > limit;
        return new SiteMask(site, effects.FeatureCount, effects.PositionCount ?? 1, mask);
    }

    /// <summary>Every node kept (<paramref name="keep"/>) or every node ablated.</summary>
    public static SiteMask Uniform(Site site, int featureCount, int positions, bool keep)
    {
        var mask = new bool[(long)positions * (featureCount + 1)];
        if (keep) Array.Fill(mask, true);
        return new SiteMask(site, featureCount, positions, mask);
    }

    private int Row(int position) => Positions == 1 ? 0 : position;
}
