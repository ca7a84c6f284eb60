namespace SparseCircuits.Models.Tokenizers.WordLevel;

/// <summary>
/// A "WordLevel" vocabulary: every pre-tokenized word is one token, or the unknown token when it is not in the
/// vocabulary. Decoding joins tokens with spaces, as the Rust tokenizers do without a decoder.
/// </summary>
internal sealed class WordLevelModel : ITokenModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string?[] _tokenById;
    private readonly int _unkId;

    /// <param name="describe">Names the source in error messages.</param>
    public WordLevelModel(Dictionary<string, int> vocab, string unkToken, Func<string, Exception> describe)
    {
        _vocab = vocab;
        _lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!vocab.TryGetValue(unkToken, out _unkId)) throw describe($"unk_token \"{unkToken}\" is not in the vocabulary");
        _tokenById = new string?[vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw describe($"negative token id {id} for \"{token}\"");
            _tokenById[id] = token;
        }
    }

    public int MaxId => _tokenById.Length - 1;

    public int UnkId => _unkId;

    public void EncodeWord(ReadOnlySpan<char> word, List<TokenSpan> output) =>
        output.Add(new TokenSpan(_lookup.TryGetValue(word, out int id) ? id : _unkId, 0, word.Length));

    public string? TokenText(int id) => (uint)id < (uint)_tokenById.Length ? _tokenById[id] : null;

    public bool TryGetId(string tokenText, out int id) => _vocab.TryGetValue(tokenText, out id);

    public string Decode(ReadOnlySpan<int> ids, Func<int, string?> addedContent)
    {
        var words = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
            words[i] = addedContent(ids[i]) ?? TokenText(ids[i])
                ?? throw new ArgumentOutOfRangeException(nameof(ids), ids[i], "not a token id of this tokenizer");
        return string.Join(' ', words);
    }
}
