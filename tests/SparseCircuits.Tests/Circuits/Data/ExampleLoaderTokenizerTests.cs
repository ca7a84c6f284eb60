using SparseCircuits.Circuits.Data;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Data;

/// <summary>Text data with real tokenizers: BOS handling and errors that need a tokenizer.</summary>
public class ExampleLoaderTokenizerTests
{
    private static readonly Lazy<ITokenizer> Neox = new(() =>
        TokenizerLoader.Load(Paths.SharedPath("data", "tokenizers", "gpt-neox-20b", "tokenizer.json")));

    [SharedFact]
    public void Adding_bos_prepends_it_to_prompts_and_leaves_answers_alone()
    {
        // Same selection with and without BOS (every prompt is one token longer, so the policy picks alike).
        string path = Paths.SharedPath("data", "sva", "nounpp_test.json");
        var plain = ExampleLoader.Load(path, Neox.Value, ExampleLoadOptions.Head(30));
        var withBos = ExampleLoader.Load(path, Neox.Value, ExampleLoadOptions.Head(30) with { AddBos = true });
        Assert.Equal(plain.Length + 1, withBos.Length);
        Assert.Equal(plain.Examples.Count, withBos.Examples.Count);
        int bos = Neox.Value.BosId!.Value;
        for (int i = 0; i < plain.Examples.Count; i++)
        {
            Assert.Equal([bos, .. plain.Examples[i].CleanIds], withBos.Examples[i].CleanIds);
            Assert.Equal([bos, .. plain.Examples[i].PatchIds!], withBos.Examples[i].PatchIds!);
            Assert.Equal(plain.Examples[i].CleanAnswerId, withBos.Examples[i].CleanAnswerId);
            Assert.Equal(plain.Examples[i].PatchAnswerId, withBos.Examples[i].PatchAnswerId);
        }
    }

    [Fact]
    public void Adding_bos_needs_a_tokenizer_with_one()
    {
        ITokenizer noBos = new CharTokenizerWithoutBos();
        var e = Assert.Throws<SfcInputException>(() => ExampleLoader.Load(
            [new ExampleRecord { CleanPrefix = "the key", CleanAnswer = " is" }], noBos, new ExampleLoadOptions { AddBos = true }, "mine"));
        Assert.Equal("mine: prompts should start with BOS, but the tokenizer has no BOS token", e.Message);
    }

    [SharedFact]
    public void An_empty_prompt_text_is_an_error()
    {
        var e = Assert.Throws<SfcInputException>(() => ExampleLoader.Load(
            [new ExampleRecord { CleanPrefix = "", CleanAnswer = " is" }], Neox.Value, new ExampleLoadOptions(), "mine"));
        Assert.Equal("mine: record 1: \"clean_prefix\" is empty", e.Message);
    }

    /// <summary>One token per character (its code), and no BOS token.</summary>
    private sealed class CharTokenizerWithoutBos : ITokenizer
    {
        public int VocabSize => char.MaxValue + 1;
        public int? BosId => null;
        public int? EosId => null;
        public int[] Encode(string text, bool addBos = false) =>
            addBos ? throw new InvalidOperationException("no BOS") : text.Select(c => (int)c).ToArray();
        public IReadOnlyList<TokenSpan> EncodeWithOffsets(string text, bool addBos = false) => throw new NotSupportedException();
        public string Decode(ReadOnlySpan<int> ids) => throw new NotSupportedException();
        public string TokenText(int id) => ((char)id).ToString();
        public bool TryTokenId(string tokenText, out int id)
        {
            id = tokenText.Length == 1 ? tokenText[0] : -1;
            return tokenText.Length == 1;
        }
    }
}
