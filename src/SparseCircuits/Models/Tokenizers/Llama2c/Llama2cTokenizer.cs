using System.Buffers.Binary;
using System.Text;

namespace SparseCircuits.Models.Tokenizers.Llama2c;

/// <summary>
/// The tokenizer of llama2.c (tokenizer.bin, tok512.bin: a SentencePiece vocabulary exported with scores),
/// encoding and decoding as its reference run.c does: a dummy " " token first, each UTF-8 character its own token
/// or, when absent, one byte token per byte (id = byte + 3), then repeatedly the adjacent pair whose merged
/// token scores highest (leftmost on ties) is merged. Ids 0, 1, 2 are &lt;unk&gt;, BOS and EOS.
/// </summary>
public sealed class Llama2cTokenizer : ITokenizer
{
    private const int UnkId = 0, Bos = 1, Eos = 2, ByteOffset = 3;
    private const float NoMergeScore = -1e10f; // run.c's starting "best" score: merges must beat it

    private readonly byte[][] _pieces;
    private readonly float[] _scores;
    private readonly Dictionary<string, int> _idByPiece; // key: the piece's bytes as Latin-1 chars
    private readonly Dictionary<long, int> _mergeOf; // pair of ids → id of the concatenated piece
    private readonly Dictionary<int, int> _idByCodePoint; // pieces that are one whole UTF-8 character
    private readonly int? _dummySpaceId;
    private readonly Lazy<Dictionary<string, int>> _idByDisplayText;

    private Llama2cTokenizer(byte[][] pieces, float[] scores, int maxTokenLength)
    {
        _pieces = pieces;
        _scores = scores;
        MaxTokenLength = maxTokenLength;
        _idByPiece = new Dictionary<string, int>(pieces.Length);
        for (int id = 0; id < pieces.Length; id++) _idByPiece.TryAdd(Key(pieces[id]), id); // run.c finds the first of duplicates
        _dummySpaceId = _idByPiece.TryGetValue(" ", out int space) ? space : null;
        _idByCodePoint = new Dictionary<int, int>();
        foreach (var (key, id) in _idByPiece)
        {
            var bytes = Encoding.Latin1.GetBytes(key);
            if (Rune.DecodeFromUtf8(bytes, out var rune, out int used) == System.Buffers.OperationStatus.Done && used == bytes.Length)
                _idByCodePoint[rune.Value] = id;
        }

        // Every way to cut a piece in two known pieces is a merge producing it.
        _mergeOf = new Dictionary<long, int>(PairKeyComparer.Instance);
        for (int id = 0; id < pieces.Length; id++)
        {
            var p = pieces[id];
            if (_idByPiece[Key(p)] != id) continue;
            for (int cut = 1; cut < p.Length; cut++)
                if (_idByPiece.TryGetValue(Key(p.AsSpan(0, cut)), out int left) && _idByPiece.TryGetValue(Key(p.AsSpan(cut)), out int right))
                    _mergeOf.TryAdd(PairKey(left, right), id);
        }
        _idByDisplayText = new Lazy<Dictionary<string, int>>(() =>
        {
            var index = new Dictionary<string, int>();
            for (int id = 0; id < _pieces.Length; id++) index.TryAdd(TokenText(id), id);
            return index;
        });
    }

    /// <summary>The longest piece in bytes, as the file header states.</summary>
    public int MaxTokenLength { get; }

    public int VocabSize => _pieces.Length;

    public int? BosId => Bos < _pieces.Length ? Bos : null;

    public int? EosId => Eos < _pieces.Length ? Eos : null;

    /// <summary>
    /// Reads a llama2.c tokenizer file: int32 max_token_length, then per token float32 score, int32 length and the
    /// bytes, up to the end of the file (the vocabulary size is the model's; the file holds exactly that many).
    /// </summary>
    public static Llama2cTokenizer Load(string path)
    {
        var data = TokenizerFiles.ReadAllBytes(path);
        if (data.Length < 4) throw SfcInputException.ForFile(path, "truncated: no max_token_length header");
        int maxLength = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (maxLength <= 0 || maxLength > 1 << 16) throw SfcInputException.ForFile(path, $"not a llama2.c tokenizer (max_token_length {maxLength})");
        var pieces = new List<byte[]>();
        var scores = new List<float>();
        int offset = 4;
        while (offset < data.Length)
        {
            if (data.Length - offset < 8) throw SfcInputException.ForFile(path, $"truncated in the header of token {pieces.Count}");
            float score = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(offset));
            int length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset + 4));
            offset += 8;
            if (length < 0 || length > maxLength) throw SfcInputException.ForFile(path, $"token {pieces.Count} has length {length} (max_token_length {maxLength})");
            if (data.Length - offset < length) throw SfcInputException.ForFile(path, $"truncated in the bytes of token {pieces.Count}");
            pieces.Add(data.AsSpan(offset, length).ToArray());
            scores.Add(score);
            offset += length;
        }
        if (pieces.Count <= ByteOffset + 255) throw SfcInputException.ForFile(path, $"only {pieces.Count} tokens: fewer than the 3 control and 256 byte tokens");
        return new Llama2cTokenizer(pieces.ToArray(), scores.ToArray(), maxLength);
    }

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
        var ids = new List<int>(text.Length + 1);
        var byteLengths = new List<int>(text.Length + 1);
        if (text.Length > 0 && _dummySpaceId is { } space)
        {
            ids.Add(space);
            byteLengths.Add(0); // stands for no input character
        }
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            int n = rune.EncodeToUtf8(utf8);
            if (_idByCodePoint.TryGetValue(rune.Value, out int id))
            {
                ids.Add(id);
                byteLengths.Add(n);
            }
            else
            {
                for (int i = 0; i < n; i++)
                {
                    ids.Add(utf8[i] + ByteOffset);
                    byteLengths.Add(1);
                }
            }
        }
        int count = MergePairs(ids, byteLengths);

        var output = new List<TokenSpan>(count + 1);
        if (addBos) output.Add(new TokenSpan(BosId ?? throw new InvalidOperationException("This llama2.c vocabulary has no BOS token."), 0, 0));
        var cursor = new Utf8CharCursor(text);
        for (int i = 0; i < count; i++)
        {
            var (start, length) = cursor.Take(byteLengths[i]);
            output.Add(new TokenSpan(ids[i], start, length));
        }
        return output;
    }

    /// <summary>
    /// run.c's greedy merging (best score, leftmost on ties, until no pair merges) with a heap over a linked list
    /// instead of a rescan per merge. Returns how many tokens remain at the front of the lists.
    /// </summary>
    private int MergePairs(List<int> ids, List<int> byteLengths)
    {
        int n = ids.Count;
        if (n < 2) return n;
        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        var queue = new PriorityQueue<(int Left, int Right, int LeftId, int RightId, int Merged), (float Score, int Left)>(PriorityOrder.Instance);
        void Offer(int left, int right)
        {
            if (_mergeOf.TryGetValue(PairKey(ids[left], ids[right]), out int merged) && _scores[merged] > NoMergeScore)
                queue.Enqueue((left, right, ids[left], ids[right], merged), (_scores[merged], left));
        }
        var initial = new List<((int, int, int, int, int), (float, int))>(n);
        for (int i = 0; i + 1 < n; i++)
            if (_mergeOf.TryGetValue(PairKey(ids[i], ids[i + 1]), out int merged) && _scores[merged] > NoMergeScore)
                initial.Add(((i, i + 1, ids[i], ids[i + 1], merged), (_scores[merged], i)));
        queue.EnqueueRange(initial);

        while (queue.TryDequeue(out var c, out _))
        {
            if (ids[c.Left] != c.LeftId || next[c.Left] != c.Right || ids[c.Right] != c.RightId) continue;
            ids[c.Left] = c.Merged;
            byteLengths[c.Left] += byteLengths[c.Right];
            ids[c.Right] = -1;
            int after = next[c.Right];
            next[c.Left] = after;
            if (after >= 0) prev[after] = c.Left;
            if (prev[c.Left] >= 0) Offer(prev[c.Left], c.Left);
            if (after >= 0) Offer(c.Left, after);
        }
        int kept = 0;
        for (int i = 0; i >= 0; i = next[i])
        {
            ids[kept] = ids[i];
            byteLengths[kept] = byteLengths[i];
            kept++;
        }
        return kept;
    }

    /// <summary>
    /// As run.c prints tokens: BOS and EOS print nothing, a piece after BOS loses its leading space, byte tokens
    /// &lt;0xXX&gt; are raw bytes (joined with their neighbours before UTF-8 decoding).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        int previous = -1;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, "not a token id of this llama2.c tokenizer");
            if (id is Bos or Eos)
            {
                previous = id;
                continue;
            }
            ReadOnlySpan<byte> piece = _pieces[id];
            if (previous == Bos && piece.Length > 0 && piece[0] == (byte)' ') piece = piece[1..];
            if (TryParseByteToken(piece, out byte raw)) bytes.Add(raw);
            else bytes.AddRange(piece);
            previous = id;
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The piece as text; &lt;0xXX&gt; byte tokens as written; BOS/EOS as &lt;s&gt; and &lt;/s&gt; (stored with newlines around).</summary>
    public string TokenText(int id)
    {
        if ((uint)id >= (uint)_pieces.Length) throw new ArgumentOutOfRangeException(nameof(id), id, "not a token id of this llama2.c tokenizer");
        var text = Utf8Display.ToText(_pieces[id]);
        return id is UnkId or Bos or Eos ? text.Trim() : text;
    }

    public bool TryTokenId(string tokenText, out int id)
    {
        ArgumentNullException.ThrowIfNull(tokenText);
        return _idByDisplayText.Value.TryGetValue(tokenText, out id) || _idByPiece.TryGetValue(Key(Encoding.UTF8.GetBytes(tokenText)), out id);
    }

    /// <summary>The score of a token (SentencePiece log-probability; merges prefer higher).</summary>
    public float Score(int id) => _scores[id];

    private static bool TryParseByteToken(ReadOnlySpan<byte> piece, out byte value)
    {
        value = 0;
        if (piece.Length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>') return false;
        return byte.TryParse(Encoding.ASCII.GetString(piece[3..5]), System.Globalization.NumberStyles.HexNumber, null, out value);
    }

    private static string Key(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static long PairKey(int left, int right) => PairKeyComparer.Pack(left, right);

    private sealed class PriorityOrder : IComparer<(float Score, int Left)>
    {
        public static PriorityOrder Instance { get; } = new();

        // Highest score first; among equal scores the leftmost pair, as run.c's strict ">" scan picks it.
        public int Compare((float Score, int Left) a, (float Score, int Left) b) =>
            a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Left.CompareTo(b.Left);
    }
}
