using System.Globalization;
using System.Text;

namespace SparseCircuits.Models.Tokenizers.ByteLevel;

/// <summary>
/// GPT-2's word split, the regex
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>,
/// written out by hand over code points: .NET's Regex classifies UTF-16 units, so it would call an astral
/// letter (𝐀, 𠀀) a non-letter. Whitespace is Unicode's White_Space, as in Oniguruma, which the Rust tokenizers
/// use (JavaScript's \s differs only on U+0085 and U+FEFF).
/// </summary>
internal static class Gpt2PreTokenizer
{
    private enum CharClass { Letter, Number, Space, Other }

    /// <summary>Appends the words of <paramref name="text"/> as (start, length) in UTF-16 units.</summary>
    public static void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = MatchAt(text, i);
            words.Add((i, end - i));
            i = end;
        }
    }

    /// <summary>The end of the regex match that starts at <paramref name="i"/> (the alternatives in order).</summary>
    private static int MatchAt(ReadOnlySpan<char> text, int i)
    {
        if (text[i] == '\'')
        {
            int contraction = ContractionLength(text[(i + 1)..]);
            if (contraction > 0) return i + 1 + contraction;
        }

        // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional single space, then a run of one class.
        if (text[i] == ' ' && i + 1 < text.Length)
        {
            var afterSpace = ClassAt(text, i + 1, out int afterWidth);
            if (afterSpace != CharClass.Space) return RunEnd(text, i + 1 + afterWidth, afterSpace);
        }
        var cls = ClassAt(text, i, out int width);
        if (cls != CharClass.Space) return RunEnd(text, i + width, cls);

        // "\s+(?!\S)": the whitespace run, minus its last character when a non-space follows; else "\s+".
        int spaceEnd = RunEnd(text, i, CharClass.Space);
        if (spaceEnd == text.Length) return spaceEnd;
        int lastStart = spaceEnd - 1; // every whitespace character is a single UTF-16 unit
        return lastStart > i ? lastStart : spaceEnd;
    }

    private static int ContractionLength(ReadOnlySpan<char> rest)
    {
        if (rest.Length == 0) return 0;
        switch (rest[0])
        {
            case 's' or 't' or 'm' or 'd': return 1;
            case 'r' when rest.Length > 1 && rest[1] == 'e': return 2;
            case 'v' when rest.Length > 1 && rest[1] == 'e': return 2;
            case 'l' when rest.Length > 1 && rest[1] == 'l': return 2;
            default: return 0;
        }
    }

    private static int RunEnd(ReadOnlySpan<char> text, int i, CharClass cls)
    {
        while (i < text.Length && ClassAt(text, i, out int width) == cls) i += width;
        return i;
    }

    private static CharClass ClassAt(ReadOnlySpan<char> text, int i, out int width)
    {
        char c = text[i];
        if (c < 0x80)
        {
            width = 1;
            if (char.IsAsciiLetter(c)) return CharClass.Letter;
            if (char.IsAsciiDigit(c)) return CharClass.Number;
            return c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' ? CharClass.Space : CharClass.Other;
        }
        Rune.DecodeFromUtf16(text[i..], out var rune, out width);
        if (Rune.IsWhiteSpace(rune)) return CharClass.Space;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }
}
