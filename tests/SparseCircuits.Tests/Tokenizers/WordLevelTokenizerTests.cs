using System.Text.Json.Nodes;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Models.Tokenizers.WordLevel;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>
/// WordLevel tokenizer.json written by <see cref="WordLevelTokenizerWriter"/>, read back, against the ids
/// tokenizers.js gave for the committed file TestData/tokenizers/wordlevel/tokenizer.json (tools/golden).
/// </summary>
public sealed class WordLevelTokenizerTests : IDisposable
{
    private static readonly string[] Vocabulary =
    [
        "The", "the", "keys", "key", "to", "cabinet", "cabinets", "are", "is", "on", "table", "near", "boy", "girls",
        "happy", "words", "like", "and", "here", "token", "appears", "Hello", "123", ".", ",", "!", "?!", "...",
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("sfc-wordlevel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Writes the test tokenizer; tools/golden reads the committed copy of this file.</summary>
    public static IReadOnlyList<string> WriteSample(string path) =>
        WordLevelTokenizerWriter.Write(path, Vocabulary, "<unk>", ["<pad>", "<eos>", "<bos>"], bosToken: "<bos>");

    private ITokenizer WriteAndLoad()
    {
        string path = Path.Combine(_folder, "tokenizer.json");
        WriteSample(path);
        return TokenizerLoader.Load(_folder);
    }

    [Fact]
    public void Written_file_is_the_one_tokenizers_js_read()
    {
        string path = Path.Combine(_folder, "tokenizer.json");
        WriteSample(path);
        var written = JsonNode.Parse(File.ReadAllText(path));
        var committed = JsonNode.Parse(File.ReadAllText(Paths.TestData("tokenizers", "wordlevel", "tokenizer.json")));
        Assert.True(JsonNode.DeepEquals(written, committed), "the writer's output changed: rewrite TestData/tokenizers/wordlevel/tokenizer.json and rerun tools/golden");
    }

    [Fact]
    public void Encode_and_decode_match_tokenizers_js()
    {
        var tok = WriteAndLoad();
        foreach (var golden in GoldenFile.Read("wordlevel.golden.json"))
        {
            Assert.Equal(golden.Ids, tok.Encode(golden.Text));
            Assert.Equal(golden.Decoded, tok.Decode(golden.Ids));
        }
    }

    [Fact]
    public void Ids_follow_unk_then_specials_then_vocabulary()
    {
        var tokens = WriteSample(Path.Combine(_folder, "tokenizer.json"));
        var tok = TokenizerLoader.Load(_folder);
        Assert.Equal(["<unk>", "<pad>", "<eos>", "<bos>", "The"], tokens.Take(5));
        Assert.Equal(4 + Vocabulary.Length, tok.VocabSize);
        Assert.Equal(3, tok.BosId); // from the TemplateProcessing post-processor
        Assert.Equal(2, tok.EosId); // by name
        Assert.Equal([3, 4, 6], tok.Encode("The keys", addBos: true));
        for (int id = 0; id < tokens.Count; id++)
        {
            Assert.Equal(tokens[id], tok.TokenText(id));
            Assert.True(tok.TryTokenId(tokens[id], out int back));
            Assert.Equal(id, back);
        }
    }

    [Fact]
    public void Offsets_point_at_the_words()
    {
        var tok = WriteAndLoad();
        const string text = "  the keys,\tzebra!  ";
        var spans = tok.EncodeWithOffsets(text);
        SpanChecks.AssertWellFormed(text, spans, contiguous: false);
        Assert.Equal(["the", "keys", ",", "zebra", "!"], spans.Select(s => text.Substring(s.Start, s.Length)));
        Assert.Equal("<unk>", tok.TokenText(spans[3].Id));
    }

    [Fact]
    public void Whitespace_split_keeps_punctuation_on_words()
    {
        string path = Path.Combine(_folder, "tokenizer.json");
        WordLevelTokenizerWriter.Write(path, ["the", "keys", "keys,"], split: WordLevelSplit.Whitespace);
        var tok = TokenizerLoader.Load(path);
        Assert.Null(tok.BosId);
        Assert.Equal([1, 3, 0], tok.Encode("the keys, zebra"));
        Assert.Throws<InvalidOperationException>(() => tok.Encode("the", addBos: true));
    }

    [Fact]
    public void Writer_rejects_bad_vocabularies()
    {
        string path = Path.Combine(_folder, "tokenizer.json");
        Assert.Throws<ArgumentException>(() => WordLevelTokenizerWriter.Write(path, ["a", "b", "a"]));
        Assert.Throws<ArgumentException>(() => WordLevelTokenizerWriter.Write(path, ["a", ""]));
        Assert.Throws<ArgumentException>(() => WordLevelTokenizerWriter.Write(path, ["a"], bosToken: "<s>"));
        Assert.False(File.Exists(path));
    }
}
