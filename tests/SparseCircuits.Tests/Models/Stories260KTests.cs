using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>The real trained stories260K model (llama2.c checkpoint) against the values in ../shared/data/README.md
/// (llama2.c's run.c) and ../shared/fixtures/expected (PyTorch after conversion to Hugging Face layout).</summary>
public class Stories260KTests
{
    private static readonly Lazy<Transformer> Model = new(() => ModelLoader.Load(Paths.SharedPath("data", "models", "stories260K", "stories260K.bin")));
    private static readonly Lazy<ITokenizer> Tokenizer = new(() => TokenizerLoader.Load(Paths.SharedPath("data", "models", "stories260K", "tok512.bin")));

    private static readonly int[] CheckIds = { 1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426 };

    [SharedFact]
    public void EncodesTheCheckSentence() =>
        Assert.Equal(CheckIds, Tokenizer.Value.Encode("Once upon a time, there was a little girl named Lily.", addBos: true));

    [SharedFact]
    public void NllOfTheCheckSentenceIsTheReference() =>
        Assert.Equal(0.10014, Inference.MeanNextTokenNll(Model.Value, CheckIds), 4);

    [SharedFact]
    public void LogitsMatchPyTorch()
    {
        using var expected = JsonFixture();
        var logits = Model.Value.Forward(TokenBatch.Single(CheckIds));
        Fixtures.AssertRelative(Fixtures.Matrix(expected.RootElement.GetProperty("logits")), logits, 1e-4, "stories260K logits");
    }

    [SharedFact]
    public void GreedyDecodingReproducesRunC()
    {
        var ids = Inference.Greedy(Model.Value, new[] { 1 }, 100);
        var text = Tokenizer.Value.Decode(new[] { 1 }.Concat(ids).ToArray());
        Assert.StartsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. " +
            "One day, she saw a big, red ball. She wanted to play with it, but it was too high.", text);
        Assert.Contains("Lily's mom said, \"Lily, let's go to the park.\"", text);
    }

    [SharedFact]
    public void NllOfTheFirstValidationStory()
    {
        var corpus = File.ReadAllText(Paths.SharedPath("data", "corpora", "tinystories_validation_100.txt"));
        var story = corpus.Split("<|endoftext|>")[1].TrimStart();
        var ids = Tokenizer.Value.Encode(story[..400], addBos: true);
        Assert.Equal(169, ids.Length);
        // The reference value is over the first 120 tokens, i.e. 119 predictions (the float64 forward in PyTorch gives
        // 1.00757 over 120 predictions and 1.01603 over 119, with the same ids from SentencePiece and from run.c's encoder).
        Assert.Equal(1.0160, Inference.MeanNextTokenNll(Model.Value, ids[..120]), 4);
    }

    private static System.Text.Json.JsonDocument JsonFixture() =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Paths.SharedPath("fixtures", "expected", "stories260K_logits.json")));
}
