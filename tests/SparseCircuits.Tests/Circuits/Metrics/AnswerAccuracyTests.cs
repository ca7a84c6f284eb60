using System.Text.Json;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Tests.Dictionaries;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Metrics;

/// <summary>Answer (agreement) accuracy against PyTorch's logits for the tiny_gpt2 fixture.</summary>
public class AnswerAccuracyTests
{
    /// <summary>
    /// Prompts are the prefixes of the fixture's id sequence, so PyTorch's logits at position p − 1 decide each answer
    /// pair; the patch prompt is the same prefix with the answers swapped, so exactly the other examples are right.
    /// </summary>
    [SharedFact]
    public void CountsTheExamplesWhoseRightAnswerHasTheHigherPyTorchLogit()
    {
        using var expected = Fixtures.Expected("tiny_gpt2");
        var ids = Fixtures.Ints(expected.RootElement.GetProperty("ids"));
        var logits = Fixtures.Matrix(expected.RootElement.GetProperty("logits"));
        int v = logits.Length / ids.Length;
        using var folder = new TempFolder();
        var path = folder.Sub("pairs.jsonl");
        int expectedCorrect = 0;
        var lines = new List<string>();
        for (int p = 1; p <= ids.Length; p++)
        {
            int right = (11 * p) % v, wrong = (11 * p + 40) % v;
            if (logits[(p - 1) * v + right] > logits[(p - 1) * v + wrong]) expectedCorrect++;
            var prefix = ids[..p];
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["clean_ids"] = prefix, ["patch_ids"] = prefix, ["clean_answer_id"] = right, ["patch_answer_id"] = wrong, ["case"] = p % 2 == 0 ? "even" : "odd",
            }));
        }
        File.WriteAllLines(path, lines);
        Assert.InRange(expectedCorrect, 1, ids.Length - 1); // a mix of right and wrong, so the count means something

        var (result, report) = AnswerAccuracy.MeasureFile(Fixtures.Model("tiny_gpt2"), null, path, batchSize: 3);
        Assert.Equal(ids.Length, report.Kept);
        Assert.Equal(ids.Length, result.Examples);
        Assert.Equal(expectedCorrect, result.Correct);
        Assert.Equal(ids.Length - expectedCorrect, result.PatchCorrect);
        Assert.Equal((double)expectedCorrect / ids.Length, result.Accuracy);
        Assert.Equal(ids.Length, result.ByCase.Values.Sum(c => c.Examples));
        Assert.Equal(expectedCorrect, result.ByCase.Values.Sum(c => c.Correct));
    }

    /// <summary>On the fixture's paired data, clean-prompt correctness is PyTorch's logit difference L[patch] − L[clean]
    /// being negative on the clean prompt, patch-prompt correctness the same difference being positive on the patch one.</summary>
    [SharedFact]
    public void AgreesWithThePyTorchMetricOnTheFixtureData()
    {
        using var results = JsonDocument.Parse(File.ReadAllText(Paths.SharedPath("fixtures", "results", "tiny_gpt2_ig_none_edges.json")));
        var metric = results.RootElement.GetProperty("metric");
        int clean = metric.GetProperty("clean").EnumerateArray().Count(x => x.GetDouble() < 0);
        int patch = metric.GetProperty("patch").EnumerateArray().Count(x => x.GetDouble() > 0);

        var (result, _) = AnswerAccuracy.MeasureFile(Fixtures.Model("tiny_gpt2"), null, Path.Combine(Fixtures.ModelDir("tiny_gpt2"), "data.jsonl"));
        Assert.Equal(16, result.Examples);
        Assert.Equal(clean, result.Correct);
        Assert.Equal(patch, result.PatchCorrect);
    }

    [SharedFact]
    public void UnpairedDataIsRefusedNamingTheFile()
    {
        using var folder = new TempFolder();
        var path = folder.Sub("unpaired.jsonl");
        File.WriteAllText(path, "{\"clean_ids\": [1, 2, 3], \"clean_answer_id\": 4}\n");
        var e = Assert.Throws<SfcInputException>(() => AnswerAccuracy.MeasureFile(Fixtures.Model("tiny_gpt2"), null, path));
        Assert.Contains("unpaired.jsonl", e.Message);
    }
}
