namespace SparseCircuits.Circuits.Metrics;

/// <summary>
/// The answer ids a metric reads, one per sequence of a batch: the clean answer and, for paired data, the patch answer.
/// </summary>
public sealed record MetricTargets
{
    public MetricTargets(int[] cleanAnswers, int[]? patchAnswers)
    {
        if (patchAnswers is not null && patchAnswers.Length != cleanAnswers.Length)
            throw new ArgumentException($"{patchAnswers.Length} patch answers for {cleanAnswers.Length} clean answers.");
        CleanAnswers = cleanAnswers;
        PatchAnswers = patchAnswers;
    }

    public int[] CleanAnswers { get; }

    public int[]? PatchAnswers { get; }

    public int Count => CleanAnswers.Length;

    /// <summary>The patch answers, or a clear error for a metric that needs them on unpaired data.</summary>
    public int[] RequirePatchAnswers() => PatchAnswers
        ?? throw new InvalidOperationException("This metric needs patch answers; the data has none (use a metric for unpaired data).");

    /// <summary>The targets of <paramref name="times"/> stacked copies of the batch (copy t is rows t·B..).</summary>
    public MetricTargets Repeat(int times) => new(Tile(CleanAnswers, times), PatchAnswers is null ? null : Tile(PatchAnswers, times));

    /// <summary>The targets of the given rows, in that order.</summary>
    public MetricTargets Rows(int[] rows) =>
        new(rows.Select(r => CleanAnswers[r]).ToArray(), PatchAnswers is null ? null : rows.Select(r => PatchAnswers[r]).ToArray());

    private static int[] Tile(int[] ids, int times)
    {
        var result = new int[ids.Length * times];
        for (int t = 0; t < times; t++) ids.CopyTo(result, t * ids.Length);
        return result;
    }
}
