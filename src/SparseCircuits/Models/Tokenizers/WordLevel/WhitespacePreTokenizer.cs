using System.Text;

namespace SparseCircuits.Models.Tokenizers.WordLevel;

/// <summary>
/// The "Whitespace" pre-tokenizer, regex <c>\w+|[^\w\s]+</c>: runs of word characters and runs of punctuation;
/// whitespace separates and is dropped. Word characters are Unicode ones, as in the Rust tokenizers.
/// </summary>
internal sealed class WhitespacePreTokenizer : IPreTokenizer
{
    public static WhitespacePreTokenizer Instance { get; } = new();

    public bool AddsPrefixSpace => false;

    public void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words)
    {
        int i = 0;
        while (i < text.Length)
        {
            int kind = KindAt(text, i, out int width); // 0 space, 1 word, 2 other
            if (kind == 0)
            {
                i += width;
                continue;
            }
            int start = i;
            i += width;
            while (i < text.Length && KindAt(text, i, out width) == kind) i += width;
            words.Add((start, i - start));
        }
    }

    private static int KindAt(ReadOnlySpan<char> text, int i, out int width)
    {
        Rune.DecodeFromUtf16(text[i..], out var rune, out width);
        if (Rune.IsWhiteSpace(rune)) return 0;
        return UnicodeClasses.IsWordChar(rune) ? 1 : 2;
    }
}
