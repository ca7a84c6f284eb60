using SparseCircuits.Models.Tokenizers;

namespace Sfc.Commands;

/// <summary>What the commands that read example files (circuit, evaluate) share: finding the tokenizer.</summary>
internal static class ExampleInputs
{
    /// <summary>The tokenizer at <paramref name="tokenizer"/> when given, else one in the model folder, else null
    /// (then only token-id data can be read).</summary>
    public static ITokenizer? LoadTokenizer(string model, string? tokenizer)
    {
        string? path = tokenizer ?? (Directory.Exists(model) ? model : null);
        if (path is null) return null;
        if (tokenizer is null && !new[] { "tokenizer.json", "vocab.json", "tokenizer.bin" }.Any(f => File.Exists(Path.Combine(path, f)))) return null;
        return TokenizerLoader.Load(path);
    }
}
