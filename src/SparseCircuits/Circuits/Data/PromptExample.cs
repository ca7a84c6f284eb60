namespace SparseCircuits.Circuits.Data;

/// <summary>
/// One prompt pair the circuit is found or evaluated on, as token ids. The metric reads the logits at the last
/// prompt position: L[patch answer] − L[clean answer] for pairs; without a patch prompt (<see cref="PatchIds"/>
/// null) the baseline is zero ablation and the metric uses the clean answer alone.
/// </summary>
/// <param name="CleanIds">The clean prompt (with a leading BOS when the loader was asked for one).</param>
/// <param name="PatchIds">The patch prompt, as long as the clean one; null for unpaired data.</param>
/// <param name="CleanAnswerId">The last token id of the tokenized clean answer (its only one, after filtering).</param>
/// <param name="PatchAnswerId">The same for the patch answer; null when the data has none.</param>
/// <param name="Case">The data's "case" label (e.g. "plural_singular"), when it has one.</param>
/// <param name="CleanText">The clean prompt text, when the data gave text rather than ids.</param>
/// <param name="PatchText">The patch prompt text, likewise.</param>
public sealed record PromptExample(
    int[] CleanIds,
    int[]? PatchIds,
    int CleanAnswerId,
    int? PatchAnswerId,
    string? Case,
    string? CleanText,
    string? PatchText)
{
    /// <summary>The prompt length in tokens (clean and patch prompts have the same).</summary>
    public int Length => CleanIds.Length;

    /// <summary>Whether there is a patch prompt (paired data) rather than a zero-ablation baseline.</summary>
    public bool IsPaired => PatchIds is not null;
}
