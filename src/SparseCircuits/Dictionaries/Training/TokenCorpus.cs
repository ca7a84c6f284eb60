using System.Text.Json;
using SparseCircuits.Models.Tokenizers;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Token sequences to run a model over, read from corpus files: plain text (documents separated by
/// <c>&lt;|endoftext|&gt;</c>, each encoded on its own, after BOS when the tokenizer has one) or JSON lines of token
/// ids, <c>{"ids":[...]}</c> per line, for models without a tokenizer. A file is read as ids when its name ends in
/// .jsonl or .json or its first non-blank character is '{'.
/// </summary>
public sealed class TokenCorpus
{
    public const string DocumentSeparator = "<|endoftext|>";

    public TokenCorpus(IReadOnlyList<int[]> documents)
    {
        Documents = documents;
        TokenCount = documents.Sum(d => (long)d.Length);
    }

    public IReadOnlyList<int[]> Documents { get; }

    public long TokenCount { get; }

    /// <summary>Reads and concatenates corpus files in the order given.</summary>
    /// <param name="tokenizer">Needed for text files; ids files are read without one.</param>
    /// <param name="vocabSize">Ids at or above this (the model's vocabulary) are rejected, naming file and line.</param>
    /// <exception cref="SfcInputException">A missing, empty or malformed file, or text with no tokenizer.</exception>
    public static TokenCorpus Load(IReadOnlyList<string> paths, ITokenizer? tokenizer, int vocabSize)
    {
        if (paths.Count == 0) throw new SfcInputException("--corpus: give at least one corpus file");
        var documents = new List<int[]>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw SfcInputException.ForFile(path, "no such corpus file");
            int before = documents.Count;
            if (IsIdsFile(path)) documents.AddRange(ReadIds(path, vocabSize));
            else documents.AddRange(ReadText(path, tokenizer ?? throw SfcInputException.ForFile(path,
                "a text corpus needs a tokenizer (pass --tokenizer, or give token ids as JSON lines {\"ids\":[...]})"), vocabSize));
            if (documents.Count == before) throw SfcInputException.ForFile(path, "the corpus file holds no text");
        }
        return new TokenCorpus(documents);
    }

    /// <summary>
    /// The documents concatenated and cut into consecutive windows of <paramref name="length"/> tokens (the incomplete
    /// tail is dropped), as activation-buffer pipelines do.
    /// </summary>
    /// <exception cref="SfcInputException">Fewer tokens than one window.</exception>
    public IReadOnlyList<int[]> Contexts(int length)
    {
        if (length < 1) throw new SfcInputException($"--context: must be at least 1, got {length}");
        if (TokenCount < length)
            throw new SfcInputException($"--corpus: {TokenCount} tokens in all, fewer than one context of {length} tokens");
        var contexts = new List<int[]>((int)(TokenCount / length));
        var current = new int[length];
        int filled = 0;
        foreach (var doc in Documents)
        {
            foreach (int id in doc)
            {
                current[filled++] = id;
                if (filled < length) continue;
                contexts.Add(current);
                current = new int[length];
                filled = 0;
            }
        }
        return contexts;
    }

    private static bool IsIdsFile(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".jsonl" or ".json") return true;
        using var reader = new StreamReader(path);
        int c;
        while ((c = reader.Read()) >= 0)
            if (!char.IsWhiteSpace((char)c)) return c == '{';
        return false;
    }

    private static IEnumerable<int[]> ReadText(string path, ITokenizer tokenizer, int vocabSize)
    {
        var text = File.ReadAllText(path);
        var pieces = text.Split(DocumentSeparator).Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        bool bos = tokenizer.BosId is not null;
        var eos = tokenizer.EosId;
        for (int i = 0; i < pieces.Count; i++)
        {
            var ids = tokenizer.Encode(pieces[i], addBos: bos);
            // Without a BOS token, documents are told apart by the end-of-text token between them (GPT-2 style).
            if (!bos && eos is { } e && i < pieces.Count - 1) ids = [.. ids, e];
            foreach (int id in ids)
                if ((uint)id >= (uint)vocabSize)
                    throw SfcInputException.ForFile(path, $"the tokenizer produced id {id}, outside the model's vocabulary of {vocabSize}");
            if (ids.Length > 0) yield return ids;
        }
    }

    private static List<int[]> ReadIds(string path, int vocabSize)
    {
        var docs = new List<int[]>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            docs.Add(ParseIdsLine(line, path, lineNumber, vocabSize));
        }
        return docs;
    }

    private static int[] ParseIdsLine(string line, string path, int lineNumber, int vocabSize)
    {
        SfcInputException Fail(string problem) => SfcInputException.ForFile(path, $"line {lineNumber}: {problem}");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw Fail($"not JSON ({e.Message.Split(". ")[0].TrimEnd('.')})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("ids", out var ids))
                throw Fail("expected an object with an \"ids\" array of token ids");
            if (ids.ValueKind != JsonValueKind.Array) throw Fail($"\"ids\" must be an array, found {ids.ValueKind}");
            var result = new int[ids.GetArrayLength()];
            int i = 0;
            foreach (var v in ids.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int id))
                    throw Fail($"\"ids\"[{i}] is not an integer token id");
                if (id < 0 || id >= vocabSize) throw Fail($"token id {id} is outside the model's vocabulary of {vocabSize}");
                result[i++] = id;
            }
            if (result.Length == 0) throw Fail("\"ids\" is empty");
            return result;
        }
    }
}
