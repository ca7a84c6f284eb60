using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Quality;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Quality;

/// <summary>
/// A small version of the real-model experiment: a TopK SAE trained on stories260K's residual stream over 80 of the
/// TinyStories validation stories must, on the 20 stories it never saw, explain at least 90 % of the variance and
/// recover at least 90 % of the cross-entropy loss at L0 ≤ 5 % of its width. (The full run, every layer on the
/// stories plus text the model writes itself, is tools/train_stories260k_saes.sh.)
/// </summary>
public class Stories260KSaeTests
{
    [SharedFact]
    public void TrainedSaeMeetsTheQualityBarOnHeldOutStories()
    {
        var model = ModelLoader.Load(Paths.SharedPath("data", "models", "stories260K", "stories260K.bin"));
        var tokenizer = TokenizerLoader.Load(Paths.SharedPath("data", "models", "stories260K", "tok512.bin"));
        var text = File.ReadAllText(Paths.SharedPath("data", "corpora", "tinystories_validation_100.txt"));
        var stories = text.Split(TokenCorpus.DocumentSeparator).Select(s => s.Trim()).Where(s => s.Length > 0)
            .Select(s => tokenizer.Encode(s, addBos: true)).ToArray();
        var train = new TokenCorpus(stories[..80]).Contexts(128);
        var heldOut = new TokenCorpus(stories[80..]).Contexts(128);

        var site = Site.ResidPost(1);
        var options = new SaeTrainingOptions { Architecture = SaeArchitecture.TopK, Width = 512, K = 24, Tokens = 1_000_000, BatchSize = 4096, LearningRate = 3e-3f };
        var source = new ModelActivationSource(model, site, null, train, new ModelActivationSourceOptions { BufferRows = 1 << 15 });
        var result = new SaeTrainer(options).Train(source, new DictionaryInfo("topk", site, site, "test"));

        var q = Assert.Single(SaeEvaluator.Evaluate(model, new DictionarySet([result.Parameters.ToDictionary()]), heldOut));
        Assert.True(q.L0 <= 0.05 * q.Width, $"L0 {q.L0}");
        Assert.True(q.ExplainedVariance >= 0.9, $"explained variance {q.ExplainedVariance:F4}");
        Assert.True(q.CeLossRecovered >= 0.9, $"CE-loss recovered {q.CeLossRecovered:F4}");
    }
}
