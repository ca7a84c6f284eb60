using System.Text;

namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// Walks a text's UTF-16 characters while a tokenizer hands out its UTF-8 bytes token by token: each character
/// goes to the token that holds its first byte, so tokens that split a character still get contiguous,
/// non-overlapping spans (a token made only of a character's later bytes gets length 0).
/// </summary>
internal ref struct Utf8CharCursor
{
    private readonly ReadOnlySpan<char> _text;
    private int _char;
    private long _byte; // UTF-8 offset of the character at _char
    private long _tokenEnd; // UTF-8 offset after the bytes taken so far

    public Utf8CharCursor(ReadOnlySpan<char> text)
    {
        _text = text;
        _char = 0;
        _byte = 0;
        _tokenEnd = 0;
    }

    /// <summary>Consumes the next <paramref name="byteLength"/> bytes; returns the token's UTF-16 span.</summary>
    public (int Start, int Length) Take(int byteLength)
    {
        _tokenEnd += byteLength;
        int start = _char;
        while (_char < _text.Length && _byte < _tokenEnd)
        {
            Rune.DecodeFromUtf16(_text[_char..], out var rune, out int width);
            _char += width;
            _byte += rune.Utf8SequenceLength;
        }
        return (start, _char - start);
    }
}
