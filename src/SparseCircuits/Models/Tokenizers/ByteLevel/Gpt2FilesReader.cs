using System.Text.Json;

namespace SparseCircuits.Models.Tokenizers.ByteLevel;

/// <summary>
/// Reads GPT-2's tokenizer files: a vocabulary JSON object (vocab.json or encoder.json: spelling → id) and a merges
/// text file (merges.txt or vocab.bpe: a "#version" line, then one "left right" merge per line in rank order).
/// &lt;|endoftext|&gt; is a special token, matched in text, and both BOS and EOS, as in Hugging Face's GPT-2 tokenizer.
/// </summary>
public static class Gpt2FilesReader
{
    public static PipelineTokenizer Load(string vocabPath, string mergesPath)
    {
        var vocab = ReadVocab(vocabPath);
        var merges = ReadMerges(mergesPath);
        var model = new ByteLevelBpeModel(vocab, merges, unkToken: null, ignoreMerges: false,
            problem => SfcInputException.ForFile(mergesPath, problem));
        var added = new List<AddedToken>();
        if (vocab.TryGetValue("<|endoftext|>", out int eot)) added.Add(new AddedToken(eot, "<|endoftext|>", Special: true, Normalized: false));
        int? Lookup(string name) => vocab.TryGetValue(name, out int id) ? id : null;
        return new PipelineTokenizer("byte-level BPE", model, normalizer: null, new ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true),
            added, SpecialTokenConventions.FindBos(Lookup), SpecialTokenConventions.FindEos(Lookup));
    }

    internal static Dictionary<string, int> ReadVocab(string path)
    {
        var bytes = TokenizerFiles.ReadAllBytes(path);
        var vocab = new Dictionary<string, int>();
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw SfcInputException.ForFile(path, "expected a JSON object of token → id");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id))
                    throw SfcInputException.ForFile(path, $"the id of token \"{p.Name}\" is not an integer");
                vocab[p.Name] = id;
            }
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"not valid JSON ({e.Message})");
        }
        if (vocab.Count == 0) throw SfcInputException.ForFile(path, "the vocabulary is empty");
        return vocab;
    }

    internal static List<(string Left, string Right)> ReadMerges(string path)
    {
        TokenizerFiles.ReadAllBytes(path); // the project's error for a missing or empty file
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (var rawLine in File.ReadLines(path))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw SfcInputException.ForFile(path, $"line {lineNumber} is not a merge \"left right\": \"{line}\"");
            merges.Add((parts[0], parts[1]));
        }
        if (merges.Count == 0) throw SfcInputException.ForFile(path, "no merges");
        return merges;
    }
}
