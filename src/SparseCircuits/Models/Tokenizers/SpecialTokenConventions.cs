namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// Picks BOS and EOS when a tokenizer file does not say which they are, by the names vocabularies use for them.
/// GPT-2 and GPT-NeoX use &lt;|endoftext|&gt; for both.
/// </summary>
internal static class SpecialTokenConventions
{
    private static readonly string[] BosNames = ["<s>", "<bos>", "<|begin_of_text|>", "<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] EosNames = ["</s>", "<eos>", "<|end_of_text|>", "<|endoftext|>"];

    public static int? FindBos(Func<string, int?> lookup) => First(BosNames, lookup);

    public static int? FindEos(Func<string, int?> lookup) => First(EosNames, lookup);

    private static int? First(string[] names, Func<string, int?> lookup)
    {
        foreach (var name in names)
            if (lookup(name) is { } id) return id;
        return null;
    }
}
