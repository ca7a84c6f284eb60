using System.Text.Json;
using SparseCircuits.Models.Tokenizers.ByteLevel;
using SparseCircuits.Models.Tokenizers.HuggingFace;
using SparseCircuits.Models.Tokenizers.Llama2c;

namespace SparseCircuits.Models.Tokenizers;

/// <summary>Loads a tokenizer from a file or a model folder, recognising the format.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// A folder: its tokenizer.json, else vocab.json + merges.txt, else encoder.json + vocab.bpe, else
    /// tokenizer.bin or a single tok*.bin. A file: a tokenizer.json (any JSON with a "model" object), one of the
    /// GPT-2 pair (the other is looked for beside it), or a llama2.c .bin.
    /// </summary>
    /// <exception cref="SfcInputException">Nothing usable at <paramref name="path"/>, or a malformed file (named).</exception>
    public static ITokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) return LoadFolder(path);
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "no such tokenizer file or model folder");

        string name = Path.GetFileName(path).ToLowerInvariant();
        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        switch (name)
        {
            case "vocab.json": return Gpt2FilesReader.Load(path, Partner(path, folder, "merges.txt"));
            case "merges.txt": return Gpt2FilesReader.Load(Partner(path, folder, "vocab.json"), path);
            case "encoder.json": return Gpt2FilesReader.Load(path, Partner(path, folder, "vocab.bpe"));
            case "vocab.bpe": return Gpt2FilesReader.Load(Partner(path, folder, "encoder.json"), path);
        }
        if (name.EndsWith(".bin", StringComparison.Ordinal)) return Llama2cTokenizer.Load(path);
        if (name == "tokenizer.json") return HfTokenizerJsonReader.Load(path);
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            if (HasModelObject(path)) return HfTokenizerJsonReader.Load(path);
            foreach (var (vocab, merges) in Gpt2Pairs)
                if (File.Exists(Path.Combine(folder, merges))) return Gpt2FilesReader.Load(path, Path.Combine(folder, merges));
            throw SfcInputException.ForFile(path, "neither a tokenizer.json (no \"model\" object) nor a GPT-2 vocabulary with merges.txt or vocab.bpe beside it");
        }
        throw SfcInputException.ForFile(path, "unknown tokenizer format (expected tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe or a llama2.c .bin)");
    }

    private static readonly (string Vocab, string Merges)[] Gpt2Pairs = [("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")];

    private static ITokenizer LoadFolder(string folder)
    {
        string tokenizerJson = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(tokenizerJson)) return HfTokenizerJsonReader.Load(tokenizerJson);
        foreach (var (vocab, merges) in Gpt2Pairs)
            if (File.Exists(Path.Combine(folder, vocab)) && File.Exists(Path.Combine(folder, merges)))
                return Gpt2FilesReader.Load(Path.Combine(folder, vocab), Path.Combine(folder, merges));
        string tokenizerBin = Path.Combine(folder, "tokenizer.bin");
        if (File.Exists(tokenizerBin)) return Llama2cTokenizer.Load(tokenizerBin);
        var bins = Directory.GetFiles(folder, "tok*.bin");
        if (bins.Length == 1) return Llama2cTokenizer.Load(bins[0]);
        if (bins.Length > 1)
            throw SfcInputException.ForFile(folder, $"several llama2.c tokenizers ({string.Join(", ", bins.Select(Path.GetFileName).Order())}); name one");
        throw SfcInputException.ForFile(folder,
            "no tokenizer found (looked for tokenizer.json, vocab.json + merges.txt, encoder.json + vocab.bpe, tokenizer.bin, tok*.bin)");
    }

    private static string Partner(string path, string folder, string partnerName)
    {
        string partner = Path.Combine(folder, partnerName);
        if (!File.Exists(partner)) throw SfcInputException.ForFile(path, $"needs {partnerName} beside it, which is missing");
        return partner;
    }

    private static bool HasModelObject(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(TokenizerFiles.ReadAllBytes(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model", out _);
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"not valid JSON ({e.Message})");
        }
    }
}
