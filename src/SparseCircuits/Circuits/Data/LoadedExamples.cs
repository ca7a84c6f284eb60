namespace SparseCircuits.Circuits.Data;

/// <summary>The examples a loader kept, in order, with what it dropped.</summary>
/// <param name="Examples">The kept examples, in the order they were taken.</param>
/// <param name="Length">The prompt length in tokens when every example has the same; null otherwise or when none was kept.</param>
/// <param name="Report">Counts of lines read, kept and dropped per reason.</param>
public sealed record LoadedExamples(IReadOnlyList<PromptExample> Examples, int? Length, LoadReport Report)
{
    /// <summary>Whether the examples have patch prompts (all do or none does).</summary>
    public bool IsPaired => Examples.Count > 0 && Examples[0].IsPaired;
}
