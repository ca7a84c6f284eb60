using System.Text.Encodings.Web;
using System.Text.Json;

namespace SparseCircuits.Models.Tokenizers.WordLevel;

/// <summary>How a written WordLevel tokenizer splits text into words.</summary>
public enum WordLevelSplit
{
    /// <summary>Runs of word characters and runs of punctuation ("Whitespace": "cabinet." → "cabinet", ".").</summary>
    WordsAndPunctuation,

    /// <summary>Runs of non-whitespace ("WhitespaceSplit": "cabinet." stays one word).</summary>
    Whitespace,
}

/// <summary>
/// Writes a Hugging Face tokenizer.json for a WordLevel vocabulary, loadable here and by the Hugging Face
/// libraries. Ids: the unknown token is 0, the special tokens follow in order, then the vocabulary in order.
/// With a BOS token, a TemplateProcessing post-processor records it (Hugging Face then adds it by default).
/// </summary>
public static class WordLevelTokenizerWriter
{
    /// <returns>The tokens by id, as written.</returns>
    /// <exception cref="ArgumentException">A word is empty or repeated, or the BOS token is not a special token.</exception>
    public static IReadOnlyList<string> Write(string path, IEnumerable<string> vocabulary, string unkToken = "<unk>",
        IEnumerable<string>? specialTokens = null, string? bosToken = null, WordLevelSplit split = WordLevelSplit.WordsAndPunctuation)
    {
        ArgumentException.ThrowIfNullOrEmpty(unkToken);
        var specials = new List<string> { unkToken };
        foreach (var s in specialTokens ?? [])
        {
            ArgumentException.ThrowIfNullOrEmpty(s, nameof(specialTokens));
            if (!specials.Contains(s)) specials.Add(s);
        }
        if (bosToken is not null && !specials.Contains(bosToken))
            throw new ArgumentException($"BOS token \"{bosToken}\" is not among the special tokens.", nameof(bosToken));

        var tokens = new List<string>(specials);
        var seen = new HashSet<string>(specials);
        foreach (var word in vocabulary)
        {
            if (string.IsNullOrEmpty(word)) throw new ArgumentException("The vocabulary has an empty word.", nameof(vocabulary));
            if (specials.Contains(word)) continue;
            if (!seen.Add(word)) throw new ArgumentException($"The vocabulary repeats \"{word}\".", nameof(vocabulary));
            tokens.Add(word);
        }

        string temp = path + ".tmp";
        try
        {
            WriteJson(temp, specials, tokens, unkToken, bosToken, split);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return tokens;
    }

    private static void WriteJson(string temp, List<string> specials, List<string> tokens, string unkToken, string? bosToken, WordLevelSplit split)
    {
        using (var stream = File.Create(temp))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            for (int id = 0; id < specials.Count; id++)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", specials[id]);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNull("normalizer");
            json.WriteStartObject("pre_tokenizer");
            json.WriteString("type", split == WordLevelSplit.Whitespace ? "WhitespaceSplit" : "Whitespace");
            json.WriteEndObject();
            if (bosToken is null) json.WriteNull("post_processor");
            else WriteBosTemplate(json, bosToken, specials.IndexOf(bosToken));
            json.WriteNull("decoder");
            json.WriteStartObject("model");
            json.WriteString("type", "WordLevel");
            json.WriteStartObject("vocab");
            for (int id = 0; id < tokens.Count; id++) json.WriteNumber(tokens[id], id);
            json.WriteEndObject();
            json.WriteString("unk_token", unkToken);
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    private static void WriteBosTemplate(Utf8JsonWriter json, string bos, int bosId)
    {
        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WritePiece(json, "SpecialToken", bos, 0);
        WritePiece(json, "Sequence", "A", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WritePiece(json, "SpecialToken", bos, 0);
        WritePiece(json, "Sequence", "A", 0);
        WritePiece(json, "Sequence", "B", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        json.WriteStartObject(bos);
        json.WriteString("id", bos);
        json.WriteStartArray("ids");
        json.WriteNumberValue(bosId);
        json.WriteEndArray();
        json.WriteStartArray("tokens");
        json.WriteStringValue(bos);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePiece(Utf8JsonWriter json, string kind, string id, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject(kind);
        json.WriteString("id", id);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
