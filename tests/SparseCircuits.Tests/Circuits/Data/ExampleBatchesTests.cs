using SparseCircuits.Circuits.Data;

namespace SparseCircuits.Tests.Circuits.Data;

public class ExampleBatchesTests
{
    private static PromptExample Pair(int i, int length = 3) =>
        new(Enumerable.Repeat(i, length).ToArray(), Enumerable.Repeat(-i, length).ToArray(), 100 + i, 200 + i, null, null, null);

    [Fact]
    public void Splits_into_consecutive_batches_with_a_shorter_last_one()
    {
        var examples = Enumerable.Range(0, 16).Select(i => Pair(i)).ToArray();
        var batches = ExampleBatches.Split(examples, 5);

        Assert.Equal([5, 5, 5, 1], batches.Select(b => b.Count));
        // Concatenated, the batches are the examples in order; each field lines up with its example.
        Assert.Equal(examples, batches.SelectMany(b => b.Examples));
        foreach (var b in batches)
            for (int k = 0; k < b.Count; k++)
            {
                Assert.Same(b.Examples[k].CleanIds, b.CleanIds[k]);
                Assert.Same(b.Examples[k].PatchIds, b.PatchIds![k]);
                Assert.Equal(b.Examples[k].CleanAnswerId, b.CleanAnswerIds[k]);
                Assert.Equal(b.Examples[k].PatchAnswerId, b.PatchAnswerIds![k]);
            }
        Assert.All(batches, b => Assert.Equal(3, b.Length));
    }

    [Fact]
    public void Unpaired_batches_and_mixed_lengths()
    {
        PromptExample[] examples =
        [
            new([1, 2], null, 3, null, null, null, null),
            new([4, 5, 6], null, 7, null, null, null, null),
        ];
        var batch = ExampleBatches.Split(examples, 10).Single();
        Assert.Null(batch.PatchIds);
        Assert.Null(batch.PatchAnswerIds);
        Assert.Null(batch.Length);
        Assert.Equal([3, 7], batch.CleanAnswerIds);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExampleBatches.Split([Pair(1)], 0));
        Assert.Throws<ArgumentException>(() => ExampleBatches.Split([Pair(1), new([1], null, 2, null, null, null, null)], 2));
        Assert.Empty(ExampleBatches.Split([], 4));
    }
}
