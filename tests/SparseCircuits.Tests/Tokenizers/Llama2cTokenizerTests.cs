using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Models.Tokenizers.Llama2c;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>stories260K's tok512.bin against llama2.c's reference run.c (data README and llama2c-tok512.golden.json).</summary>
public class Llama2cTokenizerTests
{
    private static readonly Lazy<ITokenizer> Tok512 = new(() =>
        TokenizerLoader.Load(Paths.SharedPath("data", "models", "stories260K")));

    public static TheoryData<int> CaseIndices() => new(Enumerable.Range(0, GoldenFile.Read("llama2c-tok512.golden.json").Count));

    [SharedFact]
    public void Random_texts_match_golden_ids()
    {
        foreach (var golden in GoldenFile.ReadFuzz("llama2c-tok512.golden.json"))
        {
            var ids = Tok512.Value.Encode(golden.Text, addBos: true);
            Assert.True(golden.Ids.SequenceEqual(ids), $"{System.Text.Json.JsonSerializer.Serialize(golden.Text)}: expected [{string.Join(',', golden.Ids)}], got [{string.Join(',', ids)}]");
            Assert.Equal(golden.Text, Tok512.Value.Decode(ids));
            SpanChecks.AssertWellFormed(golden.Text, Tok512.Value.EncodeWithOffsets(golden.Text, addBos: true), contiguous: true);
        }
    }

    [SharedFact]
    public void Encodes_the_readme_check_sentence()
    {
        int[] expected = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];
        Assert.Equal(expected, Tok512.Value.Encode("Once upon a time, there was a little girl named Lily.", addBos: true));
    }

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Encode_matches_run_c(int index)
    {
        var golden = GoldenFile.Read("llama2c-tok512.golden.json")[index];
        Assert.Equal(golden.Ids, Tok512.Value.Encode(golden.Text, addBos: true));
    }

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Decode_after_bos_inverts_encode_and_offsets_tile_the_text(int index)
    {
        var text = GoldenFile.Read("llama2c-tok512.golden.json")[index].Text;
        var spans = Tok512.Value.EncodeWithOffsets(text, addBos: true);
        Assert.Equal(text, Tok512.Value.Decode(spans.Select(s => s.Id).ToArray()));
        SpanChecks.AssertWellFormed(text, spans, contiguous: true);
    }

    [SharedFact]
    public void Vocabulary_facts()
    {
        var tok = Tok512.Value;
        Assert.Equal(512, tok.VocabSize);
        Assert.Equal(1, tok.BosId);
        Assert.Equal(2, tok.EosId);
        Assert.Equal("<s>", tok.TokenText(1));
        Assert.Equal("<0x0A>", tok.TokenText(13)); // byte tokens: id = byte + 3
        Assert.Equal(" Once", tok.TokenText(403));
        Assert.True(tok.TryTokenId(" upon", out int upon));
        Assert.Equal(407, upon);
        Assert.True(((Llama2cTokenizer)tok).Score(259) > ((Llama2cTokenizer)tok).Score(403)); // earlier merges score higher
    }

    [SharedFact]
    public void Decode_joins_byte_tokens_into_characters()
    {
        // "é" is not a piece of tok512: it falls back to bytes C3 A9, ids 0xC3+3 and 0xA9+3.
        Assert.Equal("é", Tok512.Value.Decode([1, 0xC3 + 3, 0xA9 + 3]));
        Assert.Equal(" é", Tok512.Value.Decode([' ' + 3, 0xC3 + 3, 0xA9 + 3]));
    }

    [SharedFact]
    public void Long_text_round_trips()
    {
        // llama2.c merges over the whole text (no pre-tokenization); run.c's rescan per merge is quadratic in it.
        var tok = Tok512.Value;
        tok.Encode("warm up the code paths");
        var text = string.Concat(Enumerable.Repeat("Once upon a time, there was a little girl named Lily. ", 500)); // 27k chars
        var ids = tok.Encode(text, addBos: true);
        Assert.Equal(text, tok.Decode(ids));
    }
}
