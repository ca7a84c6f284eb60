using SparseCircuits.Circuits.Data;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Metrics;

/// <summary>How often a model prefers the right answer: on each clean prompt, whether the clean answer's logit at the
/// last position is higher than the patch answer's (a tie counts as wrong); likewise on each patch prompt with the
/// roles swapped. For subject–verb agreement this is the agreement accuracy.</summary>
/// <param name="Examples">Examples measured.</param>
/// <param name="Correct">Clean prompts on which the clean answer has the higher logit.</param>
/// <param name="PatchCorrect">Patch prompts on which the patch answer has the higher logit.</param>
/// <param name="ByCase">Examples and clean-prompt correct counts per "case" label (examples without one under "").</param>
public sealed record AnswerAccuracyResult(int Examples, int Correct, int PatchCorrect, IReadOnlyDictionary<string, (int Examples, int Correct)> ByCase)
{
    public double Accuracy => Examples == 0 ? double.NaN : (double)Correct / Examples;

    public double PatchAccuracy => Examples == 0 ? double.NaN : (double)PatchCorrect / Examples;
}

/// <summary>Measures <see cref="AnswerAccuracyResult"/> on paired examples.</summary>
public static class AnswerAccuracy
{
    /// <summary>Every example of a file, in file order, any length; prefix + answer must tokenize as prefix tokens + answer.</summary>
    public static ExampleLoadOptions LoadAll { get; } = new()
    {
        Count = null,
        Shuffle = false,
        LengthPolicy = new LengthPolicy.Any(),
        CheckAnswerTokenization = true,
    };

    /// <summary>Loads every example of a JSON-lines data file (<see cref="LoadAll"/>) and measures the model on them.</summary>
    /// <exception cref="SfcInputException">The file is missing or malformed, has unpaired examples, or none survive loading.</exception>
    public static (AnswerAccuracyResult Result, LoadReport Report) MeasureFile(Transformer model, ITokenizer? tokenizer, string path, int batchSize = 256)
    {
        var loaded = ExampleLoader.Load(path, tokenizer, LoadAll with { VocabSize = model.Config.VocabSize });
        if (loaded.Examples.Count == 0) throw SfcInputException.ForFile(path, $"no example survived loading ({loaded.Report.Summary})");
        return (Measure(model, loaded.Examples, batchSize, path), loaded.Report);
    }

    /// <param name="source">Names the data in errors.</param>
    public static AnswerAccuracyResult Measure(Transformer model, IReadOnlyList<PromptExample> examples, int batchSize = 256, string source = "examples")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (var e in examples)
            if (e.PatchIds is null || e.PatchAnswerId is null)
                throw SfcInputException.ForFile(source, "accuracy needs paired examples (patch_prefix and patch_answer)");

        int correct = 0, patchCorrect = 0;
        var byCase = new SortedDictionary<string, (int Examples, int Correct)>(StringComparer.Ordinal);
        using var _ = Tape.NoGrad();
        // Prompts of one length are stacked into one forward pass; the order of examples does not matter.
        foreach (var group in examples.GroupBy(e => e.Length))
        {
            foreach (var chunk in group.Chunk(batchSize))
            {
                var clean = AnswerWins(model, chunk.Select(e => e.CleanIds).ToArray(),
                    chunk.Select(e => e.CleanAnswerId).ToArray(), chunk.Select(e => e.PatchAnswerId!.Value).ToArray());
                var patch = AnswerWins(model, chunk.Select(e => e.PatchIds!).ToArray(),
                    chunk.Select(e => e.PatchAnswerId!.Value).ToArray(), chunk.Select(e => e.CleanAnswerId).ToArray());
                for (int i = 0; i < chunk.Length; i++)
                {
                    if (clean[i]) correct++;
                    if (patch[i]) patchCorrect++;
                    var key = chunk[i].Case ?? "";
                    var (n, c) = byCase.GetValueOrDefault(key);
                    byCase[key] = (n + 1, c + (clean[i] ? 1 : 0));
                }
            }
        }
        return new AnswerAccuracyResult(examples.Count, correct, patchCorrect, byCase);
    }

    /// <summary>Per prompt: logit of <paramref name="right"/> &gt; logit of <paramref name="wrong"/> at the last position.</summary>
    private static bool[] AnswerWins(Transformer model, int[][] prompts, int[] right, int[] wrong)
    {
        var residual = model.ResidualStream(TokenBatch.Stack(prompts));
        var difference = CircuitMetrics.EvaluationLogitDifference(model, residual, new MetricTargets(right, wrong));
        return difference.ToArray().Select(d => d > 0).ToArray();
    }
}
