using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>Sampling text from a model: at a vanishing temperature it is greedy decoding (checked against
/// <see cref="Inference.Greedy"/> on stories260K, whose greedy story is known from llama2.c); it is reproducible for a
/// seed; <c>sfc sample</c> writes a token-id corpus that train-sae and sae-eval read.</summary>
public class ModelTextSamplerTests
{
    [SharedFact]
    public void NearZeroTemperatureIsGreedyDecoding()
    {
        var model = ModelLoader.Load(Paths.SharedPath("data", "models", "stories260K", "stories260K.bin"));
        var sampled = ModelTextSampler.Sample(model, sequences: 2, length: 24, prompt: [1], temperature: 1e-4f, seed: 3);
        var greedy = Inference.Greedy(model, [1], 23);
        foreach (var s in sampled) Assert.Equal(new[] { 1 }.Concat(greedy), s);
    }

    [SharedFact]
    public void SameSeedSameSequencesAndTheCommandWritesThemAsIds()
    {
        var model = Fixtures.Model("tiny_llama");
        var a = ModelTextSampler.Sample(model, 5, 10, [3], 1f, seed: 9, batchSize: 2);
        var b = ModelTextSampler.Sample(model, 5, 10, [3], 1f, seed: 9, batchSize: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a[0], a[1]);
        Assert.All(a, s => Assert.True(s[0] == 3 && s.Length == 10 && s.All(id => id is >= 0 and < 97)));

        using var temp = new TempFolder();
        var path = temp.Sub("sampled.jsonl");
        var (code, _, error) = TrainSaeCommandTests.Run("sample", "--model", Fixtures.ModelDir("tiny_llama"), "--sequences", "4",
            "--length", "12", "--seed", "5", "--out", path);
        Assert.True(code == 0, error);
        var corpus = TokenCorpus.Load([path], null, 97);
        Assert.Equal(4, corpus.Documents.Count);
        Assert.All(corpus.Documents, d => Assert.Equal(12, d.Length));
    }
}
