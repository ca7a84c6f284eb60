using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>Corpus files: JSON lines of token ids, text split into documents, and fixed-length contexts.</summary>
public class TokenCorpusTests
{
    [Fact]
    public void ReadsIdsLinesAndCutsContextsFromTheConcatenation()
    {
        using var temp = new TempFolder();
        var path = temp.Sub("ids.jsonl");
        File.WriteAllText(path, "{\"ids\":[1,2,3,4,5]}\n\n{\"ids\": [6, 7]}\r\n{\"ids\":[8,9,10,11]}\n");
        var corpus = TokenCorpus.Load([path], tokenizer: null, vocabSize: 20);
        Assert.Equal(3, corpus.Documents.Count);
        Assert.Equal(11, corpus.TokenCount);
        var contexts = corpus.Contexts(3);
        Assert.Equal([[1, 2, 3], [4, 5, 6], [7, 8, 9]], contexts);
    }

    [Fact]
    public void AFileStartingWithABraceIsReadAsIds()
    {
        using var temp = new TempFolder();
        var path = temp.Sub("corpus.data");
        File.WriteAllText(path, "  {\"ids\":[3,1]}\n");
        Assert.Equal([3, 1], TokenCorpus.Load([path], null, 10).Documents[0]);
    }

    [Theory]
    [InlineData("{\"ids\":[1,2,x]}", "line 2: not JSON")]
    [InlineData("{\"tokens\":[1,2]}", "line 2: expected an object with an \"ids\" array")]
    [InlineData("{\"ids\":[1,2.5]}", "line 2: \"ids\"[1] is not an integer")]
    [InlineData("{\"ids\":[1,99]}", "line 2: token id 99 is outside the model's vocabulary of 20")]
    [InlineData("{\"ids\":[]}", "line 2: \"ids\" is empty")]
    public void MalformedIdsLinesNameFileAndLine(string badLine, string message)
    {
        using var temp = new TempFolder();
        var path = temp.Sub("bad.jsonl");
        File.WriteAllText(path, "{\"ids\":[1]}\n" + badLine + "\n");
        var e = Assert.Throws<SfcInputException>(() => TokenCorpus.Load([path], null, 20));
        Assert.StartsWith(path + ": " + message, e.Message);
    }

    [Fact]
    public void MissingFileAndTextWithoutTokenizerAreInputErrors()
    {
        using var temp = new TempFolder();
        Assert.Contains("no such corpus file", Assert.Throws<SfcInputException>(() => TokenCorpus.Load([temp.Sub("nope.txt")], null, 10)).Message);
        var text = temp.Sub("stories.txt");
        File.WriteAllText(text, "Once upon a time.");
        Assert.Contains("needs a tokenizer", Assert.Throws<SfcInputException>(() => TokenCorpus.Load([text], null, 10)).Message);
        var corpus = new TokenCorpus([[1, 2]]);
        Assert.Contains("fewer than one context", Assert.Throws<SfcInputException>(() => corpus.Contexts(3)).Message);
    }

    [SharedFact]
    public void TextDocumentsAreEncodedSeparatelyAfterBos()
    {
        var tokenizer = TokenizerLoader.Load(Paths.SharedPath("data", "models", "stories260K", "tok512.bin"));
        using var temp = new TempFolder();
        var path = temp.Sub("two.txt");
        File.WriteAllText(path, "Once upon a time, there was a little girl named Lily.\n<|endoftext|>\nThe cat sat.\n");
        var corpus = TokenCorpus.Load([path], tokenizer, 512);
        Assert.Equal(2, corpus.Documents.Count);
        // The check sentence's ids from ../shared/data/README.md (llama2.c's run.c).
        Assert.Equal([1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426], corpus.Documents[0]);
        Assert.Equal(tokenizer.Encode("The cat sat.", addBos: true), corpus.Documents[1]);
    }
}
