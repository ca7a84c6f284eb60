using System.Text;

namespace SparseCircuits.Models.Tokenizers.Normalization;

/// <summary>
/// Text as a tokenizer sees it (normalized, perhaps with a prefix space) plus, for every position in it, the
/// position in the caller's original text. A position inside a piece that normalization changed maps to the end
/// of that piece, so consecutive tokens get contiguous, non-overlapping original spans.
/// </summary>
internal sealed class AlignedText
{
    private readonly int[]? _originalIndex; // length Text.Length + 1; null: Text is the original from _offset on
    private readonly int _offset;

    private AlignedText(string text, int[]? originalIndex, int offset)
    {
        Text = text;
        _originalIndex = originalIndex;
        _offset = offset;
    }

    public string Text { get; }

    /// <summary>The original-text position of position <paramref name="index"/> (0..Text.Length) of <see cref="Text"/>.</summary>
    public int OriginalIndex(int index) => _originalIndex?[index] ?? _offset + index;

    /// <summary>An original piece of text that starts at <paramref name="offset"/> in the caller's text.</summary>
    public static AlignedText Original(string text, int offset) => new(text, null, offset);

    /// <summary>
    /// Normalizes <paramref name="text"/> (which starts at <paramref name="offset"/> in the caller's text) and keeps
    /// the alignment, by normalizing it piece by piece between stable boundaries when normalization changes it.
    /// </summary>
    public static AlignedText Normalize(string text, int offset, ITextNormalizer? normalizer)
    {
        if (normalizer is null) return Original(text, offset);
        string whole = normalizer.Normalize(text);
        if (ReferenceEquals(whole, text) || whole == text) return Original(text, offset);

        var sb = new StringBuilder(whole.Length);
        var map = new List<int>(whole.Length + 1);
        int pieceStart = 0;
        for (int i = 0; i <= text.Length;)
        {
            bool atEnd = i == text.Length;
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int width);
            if (atEnd || (i > pieceStart && normalizer.IsStableBoundary(rune)))
            {
                string piece = normalizer.Normalize(text[pieceStart..i]);
                for (int k = 0; k < piece.Length; k++) map.Add(offset + (k == 0 ? pieceStart : i));
                sb.Append(piece);
                pieceStart = i;
            }
            if (atEnd) break;
            i += width;
        }
        map.Add(offset + text.Length);
        string joined = sb.ToString();
        // The boundaries are chosen so that this holds; if some exotic sequence breaks it, keep the exact text and
        // give up fine alignment rather than tokenize something else.
        if (joined != whole) return Coarse(whole, offset, text.Length);
        return new AlignedText(joined, map.ToArray(), 0);
    }

    /// <summary>The same text with a space in front that has no original characters (ByteLevel add_prefix_space).</summary>
    public AlignedText WithPrefixSpace()
    {
        var map = new int[Text.Length + 2];
        map[0] = OriginalIndex(0);
        for (int i = 0; i <= Text.Length; i++) map[i + 1] = OriginalIndex(i);
        return new AlignedText(" " + Text, map, 0);
    }

    /// <summary>Characters <paramref name="start"/>..start+length, with their alignment.</summary>
    public AlignedText Slice(int start, int length)
    {
        if (start == 0 && length == Text.Length) return this;
        string text = Text.Substring(start, length);
        if (_originalIndex is null) return new AlignedText(text, null, _offset + start);
        return new AlignedText(text, _originalIndex.AsSpan(start, length + 1).ToArray(), 0);
    }

    private static AlignedText Coarse(string text, int offset, int originalLength)
    {
        var map = new int[text.Length + 1];
        for (int i = 1; i < map.Length; i++) map[i] = offset + originalLength;
        map[0] = offset;
        return new AlignedText(text, map, 0);
    }
}
