namespace SparseCircuits.Models.Tokenizers.WordLevel;

/// <summary>The distinct words of a text as a WordLevel tokenizer with a given split would see them: the vocabulary
/// that covers the text with no unknown tokens.</summary>
public static class CorpusWords
{
    /// <returns>The words, sorted ordinally.</returns>
    public static IReadOnlyList<string> Distinct(IEnumerable<string> lines, WordLevelSplit split = WordLevelSplit.WordsAndPunctuation)
    {
        IPreTokenizer splitter = split == WordLevelSplit.Whitespace ? WhitespaceSplitPreTokenizer.Instance : WhitespacePreTokenizer.Instance;
        var words = new HashSet<string>(StringComparer.Ordinal);
        var pieces = new List<(int Start, int Length)>();
        foreach (var line in lines)
        {
            pieces.Clear();
            splitter.Split(line, pieces);
            foreach (var (start, length) in pieces) words.Add(line.Substring(start, length));
        }
        return words.Order(StringComparer.Ordinal).ToArray();
    }
}
