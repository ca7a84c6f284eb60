using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>Consecutive examples run together in one forward pass: their clean and patch prompts and answers.</summary>
internal sealed record ExampleChunk(int FirstExample, TokenBatch Clean, TokenBatch? Patch, MetricTargets Targets)
{
    public int Count => Clean.Batch;

    /// <summary>The examples split into chunks of <paramref name="batchSize"/>; all must share one prompt length.</summary>
    public static IReadOnlyList<ExampleChunk> Split(IReadOnlyList<PromptExample> examples, int batchSize)
    {
        if (examples.Count == 0) throw new SfcInputException("no examples to evaluate on");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int length = examples[0].Length;
        if (examples.Any(e => e.Length != length))
            throw new SfcInputException("evaluation needs every example to have the same token length (ablation values are per position)");
        var chunks = new List<ExampleChunk>();
        int first = 0;
        foreach (var batch in ExampleBatches.Split(examples, batchSize))
        {
            var targets = new MetricTargets(batch.CleanAnswerIds, batch.PatchAnswerIds);
            chunks.Add(new ExampleChunk(first, TokenBatch.Stack(batch.CleanIds), batch.PatchIds is null ? null : TokenBatch.Stack(batch.PatchIds), targets));
            first += batch.Count;
        }
        return chunks;
    }
}
