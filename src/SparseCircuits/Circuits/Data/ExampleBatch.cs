namespace SparseCircuits.Circuits.Data;

/// <summary>
/// A run of consecutive examples with their ids gathered per field, ready to stack into the model's input.
/// </summary>
/// <param name="Examples">The examples of the batch, in order.</param>
/// <param name="CleanIds">Each example's clean prompt.</param>
/// <param name="PatchIds">Each example's patch prompt; null for unpaired data.</param>
/// <param name="CleanAnswerIds">Each example's clean answer id.</param>
/// <param name="PatchAnswerIds">Each example's patch answer id; null when the data has none.</param>
public sealed record ExampleBatch(
    IReadOnlyList<PromptExample> Examples,
    int[][] CleanIds,
    int[][]? PatchIds,
    int[] CleanAnswerIds,
    int[]? PatchAnswerIds)
{
    public int Count => Examples.Count;

    /// <summary>The prompt length when all examples of the batch share it; null for mixed lengths.</summary>
    public int? Length => CleanIds.All(ids => ids.Length == CleanIds[0].Length) ? CleanIds[0].Length : null;
}
