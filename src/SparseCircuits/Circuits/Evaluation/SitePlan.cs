using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>What a run does at one row of a site (one position of one example).</summary>
internal enum RowAction
{
    /// <summary>Nothing ablated: dec(f) + ε = x, so the activation is left as it is.</summary>
    KeepAll,

    /// <summary>Everything ablated: the row becomes the ablation activation dec(a) + a_ε, whatever came before.</summary>
    AblateAll,

    /// <summary>Some features ablated: the row needs its features.</summary>
    Edit,
}

/// <summary>
/// A site's mask resolved for a run (error handling applied): per mask row (1 shared, or one per position) the
/// action, whether the error node is kept, and which features must be known to compute the row:
/// <list type="bullet">
/// <item>error kept: dec(f′) + ε = x + Σ_{j ablated} (a_j − f_j)·W_dec[j], so only the ablated features' f matter;</item>
/// <item>error ablated: dec(f′) + a_ε = (dec(a) + a_ε) + Σ_{j kept} (f_j − a_j)·W_dec[j], so only the kept ones.</item>
/// </list>
/// Both equal the reference's dec(f′) + ε′ exactly in exact arithmetic; they touch only the features that matter.
/// </summary>
internal sealed class SitePlan
{
    private readonly RowAction[] actions;
    private readonly bool[] errorKept;
    private readonly bool[][] needed;
    private readonly int[] neededCount;
    private readonly int[]?[] neededList;

    private SitePlan(Site site, int featureCount, RowAction[] actions, bool[] errorKept, bool[][] needed, int[] neededCount)
    {
        Site = site;
        FeatureCount = featureCount;
        this.actions = actions;
        this.errorKept = errorKept;
        this.needed = needed;
        this.neededCount = neededCount;
        neededList = new int[]?[actions.Length];
        KeepsAll = actions.All(a => a == RowAction.KeepAll);
        AblatesAll = actions.All(a => a == RowAction.AblateAll);
    }

    public Site Site { get; }

    public int FeatureCount { get; }

    /// <summary>1 when every position shares the plan, else S.</summary>
    public int Positions => actions.Length;

    /// <summary>Every row is left as it is.</summary>
    public bool KeepsAll { get; }

    /// <summary>Every row becomes the ablation activation.</summary>
    public bool AblatesAll { get; }

    public RowAction Action(int position) => actions[Row(position)];

    public bool ErrorKept(int position) => errorKept[Row(position)];

    /// <summary>Whether feature j's value at <paramref name="position"/> enters the row (ablated features when the
    /// error is kept, kept features when it is ablated).</summary>
    public bool[] Needed(int position) => needed[Row(position)];

    public int NeededCount(int position) => neededCount[Row(position)];

    /// <summary>The needed features at <paramref name="position"/>, ascending (made on first use).</summary>
    public int[] NeededList(int position)
    {
        int r = Row(position);
        return neededList[r] ??= Enumerable.Range(0, FeatureCount).Where(j => needed[r][j]).ToArray();
    }

    public static SitePlan Create(SiteMask mask, ErrorHandling errors)
    {
        int f = mask.FeatureCount, rows = mask.Positions;
        var actions = new RowAction[rows];
        var errorKept = new bool[rows];
        var needed = new bool[rows][];
        var counts = new int[rows];
        for (int p = 0; p < rows; p++)
        {
            var row = mask.RowAt(p);
            bool keepError = errors.KeepsError(mask.Site, row[f]);
            int keptFeatures = 0;
            for (int j = 0; j < f; j++) if (row[j]) keptFeatures++;
            errorKept[p] = keepError;
            actions[p] = keepError && keptFeatures == f ? RowAction.KeepAll
                : !keepError && keptFeatures == 0 ? RowAction.AblateAll
                : RowAction.Edit;
            var need = new bool[f];
            for (int j = 0; j < f; j++) need[j] = row[j] != keepError;
            needed[p] = need;
            counts[p] = keepError ? f - keptFeatures : keptFeatures;
        }
        return new SitePlan(mask.Site, f, actions, errorKept, needed, counts);
    }

    private int Row(int position) => actions.Length == 1 ? 0 : position;
}
