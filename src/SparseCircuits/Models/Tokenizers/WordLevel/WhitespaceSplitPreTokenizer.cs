using System.Text;

namespace SparseCircuits.Models.Tokenizers.WordLevel;

/// <summary>The "WhitespaceSplit" pre-tokenizer: words are the runs of non-whitespace characters.</summary>
internal sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    public static WhitespaceSplitPreTokenizer Instance { get; } = new();

    public bool AddsPrefixSpace => false;

    public void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words)
    {
        int i = 0;
        while (i < text.Length)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out int width);
            if (Rune.IsWhiteSpace(rune))
            {
                i += width;
                continue;
            }
            int start = i;
            i += width;
            while (i < text.Length)
            {
                Rune.DecodeFromUtf16(text[i..], out rune, out width);
                if (Rune.IsWhiteSpace(rune)) break;
                i += width;
            }
            words.Add((start, i - start));
        }
    }
}
