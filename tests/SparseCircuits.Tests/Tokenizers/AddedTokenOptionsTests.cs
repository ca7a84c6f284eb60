using System.Text.Json.Nodes;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>lstrip/rstrip (against tokenizers.js) and single_word (by its documented meaning) of added tokens.</summary>
public sealed class AddedTokenOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sfc-added-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string NeoxPath => Paths.SharedPath("data", "tokenizers", "gpt-neox-20b", "tokenizer.json");

    private ITokenizer LoadVariant(Action<JsonNode> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(NeoxPath))!;
        change(json);
        string path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return TokenizerLoader.Load(path);
    }

    [SharedFact]
    public void Lstrip_and_rstrip_take_the_surrounding_whitespace()
    {
        var tok = LoadVariant(json =>
        {
            var eot = json["added_tokens"]!.AsArray().First(t => (string?)t!["content"] == "<|endoftext|>")!;
            eot["lstrip"] = true;
            eot["rstrip"] = true;
        });
        foreach (var golden in GoldenFile.Read("gpt-neox-20b-strip.golden.json"))
        {
            Assert.Equal(golden.Ids, tok.Encode(golden.Text));
            var spans = tok.EncodeWithOffsets(golden.Text);
            SpanChecks.AssertWellFormed(golden.Text, spans, contiguous: true);
            // The special token's span is the token and the whitespace it took.
            foreach (var s in spans.Where(s => s.Id == 0))
                Assert.Equal("<|endoftext|>", golden.Text.Substring(s.Start, s.Length).Trim());
        }
    }

    [SharedFact]
    public void Single_word_tokens_match_only_outside_words()
    {
        var tok = LoadVariant(json => json["added_tokens"]!.AsArray().Add(new JsonObject
        {
            ["id"] = 50281, ["content"] = "cab", ["single_word"] = true, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        }));
        var plain = TokenizerLoader.Load(NeoxPath);
        // "cab" at the start and before "." stands alone; inside "taxicab" it is part of a word.
        int[] expected = [50281, .. plain.Encode(" taxicab "), 50281, .. plain.Encode(".")];
        Assert.Equal(expected, tok.Encode("cab taxicab cab."));
        Assert.Equal(50282, tok.VocabSize);
    }
}
