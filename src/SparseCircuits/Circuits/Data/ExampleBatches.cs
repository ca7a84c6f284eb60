namespace SparseCircuits.Circuits.Data;

/// <summary>Splits examples into batches as the reference does: consecutive runs of a size, the last one shorter.</summary>
public static class ExampleBatches
{
    public static IReadOnlyList<ExampleBatch> Split(IReadOnlyList<PromptExample> examples, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (examples.Count > 0 && examples.Any(e => e.IsPaired != examples[0].IsPaired))
            throw new ArgumentException("examples mix pairs and unpaired prompts", nameof(examples));
        var batches = new List<ExampleBatch>();
        for (int start = 0; start < examples.Count; start += batchSize)
        {
            var part = examples.Skip(start).Take(batchSize).ToArray();
            batches.Add(new ExampleBatch(
                part,
                part.Select(e => e.CleanIds).ToArray(),
                part[0].IsPaired ? part.Select(e => e.PatchIds!).ToArray() : null,
                part.Select(e => e.CleanAnswerId).ToArray(),
                part.All(e => e.PatchAnswerId is not null) ? part.Select(e => e.PatchAnswerId!.Value).ToArray() : null));
        }
        return batches;
    }
}
