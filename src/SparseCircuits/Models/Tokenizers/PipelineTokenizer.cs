using SparseCircuits.Models.Tokenizers.Normalization;

namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// A tokenizer in the Hugging Face mould: added tokens are matched first (special ones in the raw text, the
/// others after normalization), the rest is normalized, split into words and each word encoded by the model.
/// GPT-2 and GPT-NeoX byte-level BPE and WordLevel vocabularies all run through it.
/// </summary>
public sealed class PipelineTokenizer : ITokenizer
{
    private readonly ITokenModel _model;
    private readonly ITextNormalizer? _normalizer;
    private readonly IPreTokenizer _preTokenizer;
    private readonly AddedTokenMatcher _rawAdded;
    private readonly AddedTokenMatcher _normalizedAdded;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, int> _addedByContent;

    internal PipelineTokenizer(string kind, ITokenModel model, ITextNormalizer? normalizer, IPreTokenizer preTokenizer,
        IReadOnlyList<AddedToken> addedTokens, int? bosId, int? eosId)
    {
        Kind = kind;
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        AddedTokens = addedTokens;
        _rawAdded = new AddedTokenMatcher(addedTokens.Where(t => !t.Normalized).Select(t => (t, t.Content)));
        _normalizedAdded = new AddedTokenMatcher(addedTokens.Where(t => t.Normalized)
            .Select(t => (t, normalizer?.Normalize(t.Content) ?? t.Content)));
        _addedById = new Dictionary<int, AddedToken>();
        _addedByContent = new Dictionary<string, int>();
        foreach (var t in addedTokens)
        {
            _addedById.TryAdd(t.Id, t);
            _addedByContent.TryAdd(t.Content, t.Id);
        }
        BosId = bosId;
        EosId = eosId;
        VocabSize = Math.Max(model.MaxId, addedTokens.Count == 0 ? -1 : addedTokens.Max(t => t.Id)) + 1;
    }

    /// <summary>What the tokenizer is, for messages: "byte-level BPE", "WordLevel".</summary>
    public string Kind { get; }

    /// <summary>The tokens matched before the model (special tokens and extra vocabulary).</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    public int VocabSize { get; }

    public int? BosId { get; }

    public int? EosId { get; }

    public int[] Encode(string text, bool addBos = false)
    {
        var spans = EncodeWithOffsets(text, addBos);
        var ids = new int[spans.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = spans[i].Id;
        return ids;
    }

    public IReadOnlyList<TokenSpan> EncodeWithOffsets(string text, bool addBos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<TokenSpan>(text.Length / 3 + 2);
        if (addBos) output.Add(new TokenSpan(BosId ?? throw new InvalidOperationException($"This {Kind} tokenizer has no BOS token."), 0, 0));

        var words = new List<(int Start, int Length)>();
        var wordTokens = new List<TokenSpan>();
        var rawSegments = new List<AddedTokenMatcher.Segment>();
        var normalizedSegments = new List<AddedTokenMatcher.Segment>();
        _rawAdded.Split(text, rawSegments);
        foreach (var raw in rawSegments)
        {
            if (raw.Token is not null)
            {
                output.Add(new TokenSpan(raw.Token.Id, raw.Start, raw.Length));
                continue;
            }
            string piece = raw.Length == text.Length ? text : text.Substring(raw.Start, raw.Length);
            var normalized = AlignedText.Normalize(piece, raw.Start, _normalizer);
            _normalizedAdded.Split(normalized.Text, normalizedSegments);
            foreach (var seg in normalizedSegments)
            {
                if (seg.Token is not null) output.Add(Span(seg.Token.Id, normalized, seg.Start, seg.Length));
                else EncodePlain(normalized.Slice(seg.Start, seg.Length), words, wordTokens, output);
            }
        }
        return output;
    }

    public string Decode(ReadOnlySpan<int> ids) =>
        _model.Decode(ids, id => _addedById.TryGetValue(id, out var t) ? t.Content : null);

    public string TokenText(int id) =>
        _addedById.TryGetValue(id, out var t) ? t.Content
        : _model.TokenText(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"not a token id of this {Kind} tokenizer");

    public bool TryTokenId(string tokenText, out int id)
    {
        ArgumentNullException.ThrowIfNull(tokenText);
        return _addedByContent.TryGetValue(tokenText, out id) || _model.TryGetId(tokenText, out id);
    }

    private void EncodePlain(AlignedText piece, List<(int Start, int Length)> words, List<TokenSpan> wordTokens, List<TokenSpan> output)
    {
        if (_preTokenizer.AddsPrefixSpace && !piece.Text.StartsWith(' ')) piece = piece.WithPrefixSpace();
        words.Clear();
        _preTokenizer.Split(piece.Text, words);
        foreach (var (start, length) in words)
        {
            wordTokens.Clear();
            _model.EncodeWord(piece.Text.AsSpan(start, length), wordTokens);
            foreach (var t in wordTokens) output.Add(Span(t.Id, piece, start + t.Start, t.Length));
        }
    }

    private static TokenSpan Span(int id, AlignedText text, int start, int length)
    {
        int from = text.OriginalIndex(start);
        return new TokenSpan(id, from, text.OriginalIndex(start + length) - from);
    }
}
