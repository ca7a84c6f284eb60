namespace SparseCircuits.Models.Tokenizers.ByteLevel;

/// <summary>The "ByteLevel" pre-tokenizer: GPT-2's word split (unless use_regex is off) and optional prefix space.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    public bool AddsPrefixSpace => addPrefixSpace;

    public void Split(ReadOnlySpan<char> text, List<(int Start, int Length)> words)
    {
        if (useRegex) Gpt2PreTokenizer.Split(text, words);
        else if (text.Length > 0) words.Add((0, text.Length));
    }
}
