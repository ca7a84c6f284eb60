namespace SparseCircuits.Circuits.Analysis;

/// <summary>A prompt whose features are read at one position, tagged with a class label (e.g. "singular").</summary>
/// <param name="Ids">The prompt's token ids.</param>
/// <param name="Position">The position whose features are read (e.g. the subject noun).</param>
/// <param name="Label">The class this prompt belongs to at that position.</param>
public sealed record LabeledPrompt(int[] Ids, int Position, string Label);
