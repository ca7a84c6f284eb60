namespace SparseCircuits.Models.Tokenizers;

/// <summary>Splits normalized text into words that the model encodes one at a time.</summary>
internal interface IPreTokenizer
{
    /// <summary>Whether a space is put in front of each piece of text that does not start with one.</summary>
    bool AddsPrefixSpace { get; }

    /// <summary>Appends the words of <paramref name="text"/> as (start, length); characters outside all words are dropped.</summary>
    void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words);
}
