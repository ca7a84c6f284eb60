using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>The GPT-NeoX-20B tokenizer.json (Pythia) against tokenizers.js's ids (tools/golden).</summary>
public class NeoxTokenizerTests
{
    private static readonly Lazy<ITokenizer> Neox = new(() =>
        TokenizerLoader.Load(Paths.SharedPath("data", "tokenizers", "gpt-neox-20b", "tokenizer.json")));

    public static TheoryData<int> CaseIndices() => new(Enumerable.Range(0, GoldenFile.Read("gpt-neox-20b.golden.json").Count));

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Encode_matches_golden_ids(int index)
    {
        var golden = GoldenFile.Read("gpt-neox-20b.golden.json")[index];
        Assert.Equal(golden.Ids, Neox.Value.Encode(golden.Text));
    }

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Offsets_tile_the_original_text(int index)
    {
        // Also for text that NFC changes: spans are in the caller's characters, not the normalized ones.
        var text = GoldenFile.Read("gpt-neox-20b.golden.json")[index].Text;
        SpanChecks.AssertWellFormed(text, Neox.Value.EncodeWithOffsets(text), contiguous: true);
    }

    [SharedFact]
    public void Random_texts_match_golden_ids()
    {
        foreach (var golden in GoldenFile.ReadFuzz("gpt-neox-20b.golden.json"))
        {
            var ids = Neox.Value.Encode(golden.Text);
            Assert.True(golden.Ids.SequenceEqual(ids), $"{System.Text.Json.JsonSerializer.Serialize(golden.Text)}: expected [{string.Join(',', golden.Ids)}], got [{string.Join(',', ids)}]");
            // NFC (checked against ICU in UnicodeNormalizationTests) recomposes the "e" + U+0301 pieces.
            Assert.Equal(SparseCircuits.Models.Tokenizers.Normalization.CanonicalNormalizer.Nfc.Normalize(golden.Text), Neox.Value.Decode(ids));
            SpanChecks.AssertWellFormed(golden.Text, Neox.Value.EncodeWithOffsets(golden.Text), contiguous: true);
        }
    }

    [SharedFact]
    public void Decode_gives_the_nfc_form_of_the_text()
    {
        var norm = GoldenFile.ReadNormalization();
        foreach (var golden in GoldenFile.Read("gpt-neox-20b.golden.json"))
            Assert.Equal(norm.TryGetValue(golden.Text, out var n) ? n.Nfc : golden.Text, Neox.Value.Decode(golden.Ids));
    }

    [SharedFact]
    public void Special_tokens_and_vocabulary_size()
    {
        var tok = Neox.Value;
        Assert.Equal(50281, tok.VocabSize); // 50254 BPE tokens + added tokens up to id 50280
        Assert.Equal(0, tok.BosId);
        Assert.Equal(0, tok.EosId);
        Assert.Equal("<|endoftext|>", tok.TokenText(0));
        Assert.True(tok.TryTokenId("<|padding|>", out int pad));
        Assert.Equal(1, pad);
        Assert.Equal("  ", tok.TokenText(50276));
        var golden = GoldenFile.Read("gpt-neox-20b.golden.json")[0];
        Assert.Equal([0, .. golden.Ids], tok.Encode(golden.Text, addBos: true));
    }

    [SharedFact]
    public void Spans_of_a_decomposed_accent_cover_base_and_mark()
    {
        const string text = "Cafe\u0301 ok";
        var tok = Neox.Value;
        var spans = tok.EncodeWithOffsets(text);
        SpanChecks.AssertWellFormed(text, spans, contiguous: true);
        // NFC makes "é" of "e" + U+0301: whichever token holds "é" spans both original characters.
        var withAccent = spans.Single(s => tok.TokenText(s.Id).Contains('é'));
        Assert.Contains("e\u0301", text.Substring(withAccent.Start, withAccent.Length));
    }
}
