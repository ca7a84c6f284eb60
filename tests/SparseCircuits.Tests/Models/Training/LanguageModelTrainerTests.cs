using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Models;
using SparseCircuits.Models.Saving;
using SparseCircuits.Models.Training;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.Dictionaries;

namespace SparseCircuits.Tests.Models.Training;

/// <summary>
/// A few steps of training on the agreement corpus: the loss starts at ln V (a small random model predicts nearly
/// uniformly) and falls well below it on training and held-out text; the written folder reloads to the same logits;
/// the same seed gives the same weights.
/// </summary>
public class LanguageModelTrainerTests
{
    private static readonly LanguageModelTrainingOptions Tiny = new()
    {
        Steps = 40, BatchSize = 16, Context = 12, LearningRate = 1e-2f, WarmupSteps = 5, Seed = 4, HeldOutRows = 32,
    };

    /// <summary>The generator's sentences as ids over its own vocabulary (a plain split: words are space-separated).</summary>
    private static (LineAlignedCorpus Train, LineAlignedCorpus HeldOut, int Vocab) AgreementText(int sentences)
    {
        var ids = AgreementVocabulary.AllTokens.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i);
        var lines = new AgreementCorpusGenerator(seed: 9).Sentences(sentences).Select(s => s.Split(' ').Select(w => ids[w]).ToArray());
        var (train, held) = new LineAlignedCorpus(lines).SplitTail(200);
        return (train, held, ids.Count);
    }

    private static Transformer TinyModel(int vocab, int seed) =>
        RandomWeights.Create(new Gpt2Shape(Layers: 1, DModel: 32, Heads: 2, Context: 12).ToConfig(vocab), seed);

    [Fact]
    public void LossFallsFromLnVocabularyOnTrainingAndHeldOutText()
    {
        var (train, held, vocab) = AgreementText(1500);
        var model = TinyModel(vocab, seed: 1);
        var result = new LanguageModelTrainer(Tiny).Train(model, train, held);
        double uniform = Math.Log(vocab);
        Assert.Equal(40, result.StepLosses.Count);
        Assert.InRange(result.StepLosses[0], uniform - 0.05, uniform + 0.05);
        Assert.True(result.FinalLoss < uniform - 1.5, $"final loss {result.FinalLoss:F3} vs ln V = {uniform:F3}");
        Assert.True(result.HeldOutLoss < uniform - 1.5, $"held-out loss {result.HeldOutLoss:F3} vs ln V = {uniform:F3}");
    }

    [Fact]
    public void WrittenFolderReloadsToTheSameLogits()
    {
        var (train, _, vocab) = AgreementText(1000);
        var model = TinyModel(vocab, seed: 2);
        new LanguageModelTrainer(Tiny with { Steps = 10 }).Train(model, train);
        using var folder = new TempFolder();
        Gpt2CheckpointWriter.Write(folder.Path, model);
        var loaded = ModelLoader.Load(folder.Path);

        var (inputs, _) = train.Rows([0, 7, 30], 12);
        var batch = new TokenBatch(inputs, 3, 12);
        using var _ = Tape.NoGrad();
        var expected = model.Forward(batch).ToArray();
        var actual = loaded.Forward(batch).ToArray();
        Assert.Equal(expected, actual); // the same float32 weights through the same forward pass: bit-identical
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeights()
    {
        var (train, _, vocab) = AgreementText(1000);
        float[] Trained(int seed)
        {
            var model = TinyModel(vocab, seed);
            new LanguageModelTrainer(Tiny with { Steps = 8, Seed = seed }).Train(model, train);
            return model.Weights.Parameters().SelectMany(p => p.ToArray()).ToArray();
        }
        Assert.Equal(Trained(5), Trained(5));
        Assert.NotEqual(Trained(5), Trained(6));
    }
}
