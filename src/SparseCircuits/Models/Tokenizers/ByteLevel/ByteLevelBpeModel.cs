using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace SparseCircuits.Models.Tokenizers.ByteLevel;

/// <summary>
/// A byte-level BPE vocabulary and merge table (GPT-2, GPT-NeoX): a word becomes its UTF-8 bytes, one symbol per
/// byte, merged by rank. Results per word are cached; the cache is safe for concurrent encoders.
/// </summary>
internal sealed class ByteLevelBpeModel : ITokenModel
{
    private const int MaxCachedWordLength = 128;
    private const int MaxCacheEntries = 200_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly string?[] _tokenById;
    private readonly byte[]?[] _bytesById;
    private readonly int[] _byteSymbol = new int[256]; // id of the single-byte token, -1 when absent
    private readonly BpeMerges _merges;
    private readonly int? _unkId;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, Piece[]> _cache = new();
    private readonly Lazy<Dictionary<string, int>> _idByDisplayText;

    /// <summary>A token of a word: its id and how many bytes of the word it covers.</summary>
    public readonly record struct Piece(int Id, int ByteLength);

    /// <param name="vocab">Token spelling (GPT-2 byte-to-unicode) to id.</param>
    /// <param name="merges">Merges as pairs of spellings, in rank order.</param>
    /// <param name="describe">Names the source in error messages.</param>
    public ByteLevelBpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges,
        string? unkToken, bool ignoreMerges, Func<string, Exception> describe)
    {
        _vocab = vocab;
        _ignoreMerges = ignoreMerges;
        int size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        _tokenById = new string?[size];
        _bytesById = new byte[]?[size];
        foreach (var (token, id) in vocab)
        {
            if (id < 0) throw describe($"negative token id {id} for {Quote(token)}");
            _tokenById[id] = token;
            _bytesById[id] = ByteToUnicode.Decode(token);
        }
        for (int b = 0; b < 256; b++)
            _byteSymbol[b] = vocab.TryGetValue(ByteToUnicode.ToChar((byte)b).ToString(), out int id) ? id : -1;
        if (unkToken is not null)
        {
            if (!vocab.TryGetValue(unkToken, out int unk)) throw describe($"unk_token {Quote(unkToken)} is not in the vocabulary");
            _unkId = unk;
        }

        var rules = new Dictionary<long, (int, int)>(merges.Count, PairKeyComparer.Instance);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out int l) || !vocab.TryGetValue(right, out int r))
                throw describe($"merge {rank + 1} ({Quote(left)} {Quote(right)}) names a token that is not in the vocabulary");
            if (!vocab.TryGetValue(left + right, out int merged))
                throw describe($"merge {rank + 1} ({Quote(left)} {Quote(right)}) makes {Quote(left + right)}, which is not in the vocabulary");
            rules[BpeMerges.Key(l, r)] = (rank, merged); // a repeated merge takes its last rank, as GPT-2's dict() does
        }
        _merges = new BpeMerges(rules);
        _idByDisplayText = new Lazy<Dictionary<string, int>>(BuildDisplayIndex);
    }

    public int MaxId => _tokenById.Length - 1;

    /// <summary>The vocabulary spelling of a token (e.g. "Ġare"), or null for an id the vocabulary lacks.</summary>
    public string? Spelling(int id) => (uint)id < (uint)_tokenById.Length ? _tokenById[id] : null;

    /// <summary>The bytes of a token, or null for an id the vocabulary lacks or a spelling outside the byte map.</summary>
    public byte[]? TokenBytes(int id) => (uint)id < (uint)_bytesById.Length ? _bytesById[id] : null;

    public void EncodeWord(ReadOnlySpan<char> word, List<TokenSpan> output)
    {
        var cursor = new Utf8CharCursor(word);
        foreach (var piece in Pieces(word))
        {
            var (start, length) = cursor.Take(piece.ByteLength);
            output.Add(new TokenSpan(piece.Id, start, length));
        }
    }

    public string? TokenText(int id)
    {
        var bytes = TokenBytes(id);
        return bytes is null ? Spelling(id) : Utf8Display.ToText(bytes);
    }

    public bool TryGetId(string tokenText, out int id) =>
        _idByDisplayText.Value.TryGetValue(tokenText, out id) || _vocab.TryGetValue(tokenText, out id);

    public string Decode(ReadOnlySpan<int> ids, Func<int, string?> addedContent)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            if (addedContent(id) is { } content) bytes.AddRange(Encoding.UTF8.GetBytes(content));
            else if (TokenBytes(id) is { } tokenBytes) bytes.AddRange(tokenBytes);
            else if (Spelling(id) is { } spelling) bytes.AddRange(Encoding.UTF8.GetBytes(spelling));
            else throw new ArgumentOutOfRangeException(nameof(ids), id, "not a token id of this tokenizer");
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The tokens of one pre-tokenized word.</summary>
    public Piece[] Pieces(ReadOnlySpan<char> word)
    {
        if (word.Length > MaxCachedWordLength) return EncodeUncached(word);
        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(word, out var cached)) return cached;
        var pieces = EncodeUncached(word);
        if (_cache.Count >= MaxCacheEntries) _cache.Clear();
        lookup.TryAdd(word, pieces);
        return pieces;
    }

    private Piece[] EncodeUncached(ReadOnlySpan<char> word)
    {
        int byteCount = Encoding.UTF8.GetByteCount(word);
        byte[] rented = ArrayPool<byte>.Shared.Rent(byteCount);
        int[] ids = ArrayPool<int>.Shared.Rent(byteCount);
        int[] lengths = ArrayPool<int>.Shared.Rent(byteCount);
        try
        {
            var bytes = rented.AsSpan(0, Encoding.UTF8.GetBytes(word, rented));
            if (_ignoreMerges && _vocab.TryGetValue(ByteToUnicode.Encode(bytes), out int whole)) return [new Piece(whole, bytes.Length)];

            // Bytes with no symbol of their own become the unknown token, or are dropped as the Rust BPE does.
            int n = 0, dropped = 0;
            foreach (byte b in bytes)
            {
                int id = _byteSymbol[b] >= 0 ? _byteSymbol[b] : _unkId ?? -1;
                if (id < 0) { dropped++; continue; }
                ids[n] = id;
                lengths[n] = 1 + dropped;
                dropped = 0;
                n++;
            }
            if (n == 0) return [];
            lengths[n - 1] += dropped;
            n = _merges.Merge(ids.AsSpan(0, n), lengths.AsSpan(0, n));
            var pieces = new Piece[n];
            for (int i = 0; i < n; i++) pieces[i] = new Piece(ids[i], lengths[i]);
            return pieces;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
            ArrayPool<int>.Shared.Return(ids);
            ArrayPool<int>.Shared.Return(lengths);
        }
    }

    // Lowest id first, so that of two tokens that read alike the older one wins.
    private Dictionary<string, int> BuildDisplayIndex()
    {
        var index = new Dictionary<string, int>(_tokenById.Length);
        for (int id = 0; id < _tokenById.Length; id++)
            if (TokenText(id) is { } text) index.TryAdd(text, id);
        return index;
    }

    private static string Quote(string token) => "\"" + token + "\"";
}
