namespace SparseCircuits.Models.Tokenizers;

/// <summary>The vocabulary part of a tokenizer pipeline: words to tokens, and how tokens read and decode.</summary>
internal interface ITokenModel
{
    /// <summary>The largest id in the vocabulary.</summary>
    int MaxId { get; }

    /// <summary>Appends the tokens of one word with spans relative to the word.</summary>
    void EncodeWord(ReadOnlySpan<char> word, List<TokenSpan> output);

    /// <summary>The display text of a token (see <see cref="ITokenizer.TokenText"/>), or null for an unknown id.</summary>
    string? TokenText(int id);

    /// <summary>The id of a token from its display text or its vocabulary spelling.</summary>
    bool TryGetId(string tokenText, out int id);

    /// <summary>Decodes ids; <paramref name="addedContent"/> gives the text of added tokens (null for model tokens).</summary>
    string Decode(ReadOnlySpan<int> ids, Func<int, string?> addedContent);
}
