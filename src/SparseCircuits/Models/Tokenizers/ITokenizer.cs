namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// Turns text into the token ids a model reads and back. Implementations are immutable and safe to use from
/// several threads at once.
/// </summary>
public interface ITokenizer
{
    /// <summary>One more than the largest token id (a model's embedding may have more rows than that).</summary>
    int VocabSize { get; }

    /// <summary>The beginning-of-sequence token, when the tokenizer has one.</summary>
    int? BosId { get; }

    /// <summary>The end-of-sequence token, when the tokenizer has one.</summary>
    int? EosId { get; }

    /// <summary>The token ids of <paramref name="text"/>, after <see cref="BosId"/> when <paramref name="addBos"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="addBos"/> and the tokenizer has no BOS token.</exception>
    int[] Encode(string text, bool addBos = false);

    /// <summary>
    /// The tokens of <paramref name="text"/> with the UTF-16 span of the input each came from, in order and not
    /// overlapping. Byte-level and llama2.c tokenizers cover the whole input with contiguous spans (a BOS, a
    /// dummy prefix space and a token that only completes a character split across tokens have length 0);
    /// pre-tokenizers that drop whitespace (WordLevel) leave it out.
    /// </summary>
    IReadOnlyList<TokenSpan> EncodeWithOffsets(string text, bool addBos = false);

    /// <summary>The text of a token sequence (bytes split across tokens are joined before decoding UTF-8).</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>
    /// How one token reads, for display: its text (" are"), special tokens as written ("&lt;|endoftext|&gt;"),
    /// bytes that are not whole UTF-8 characters as &lt;0xXX&gt;.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not a token of this tokenizer.</exception>
    string TokenText(int id);

    /// <summary>
    /// The id of the single token whose text is <paramref name="tokenText"/>: an added or special token's content,
    /// a token's display text as <see cref="TokenText"/> gives it, or its spelling in the vocabulary file ("Ġare").
    /// No tokenization happens: false when no single token reads so.
    /// </summary>
    bool TryTokenId(string tokenText, out int id);
}
