using System.Text.Json;
using SparseCircuits.Models.Tokenizers.ByteLevel;
using SparseCircuits.Models.Tokenizers.Normalization;
using SparseCircuits.Models.Tokenizers.WordLevel;

namespace SparseCircuits.Models.Tokenizers.HuggingFace;

/// <summary>
/// Reads a Hugging Face tokenizer.json: model "BPE" with a ByteLevel pre-tokenizer (GPT-2, GPT-NeoX/Pythia) or
/// "WordLevel" with Whitespace/WhitespaceSplit; normalizers NFC, NFD, Lowercase and Sequences of them; added
/// tokens. Anything else is refused with a message naming the file and the unsupported part. The post-processor
/// is not applied (Encode adds BOS only when asked); a TemplateProcessing one that starts with a special token
/// names the BOS token. BOS/EOS also come from a tokenizer_config.json beside the file when it has them.
/// </summary>
public static class HfTokenizerJsonReader
{
    public static PipelineTokenizer Load(string path)
    {
        var bytes = TokenizerFiles.ReadAllBytes(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            try
            {
                return Build(doc.RootElement, path);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                // A value of the wrong kind (or out of range) somewhere in the file.
                throw SfcInputException.ForFile(path, $"malformed tokenizer.json ({e.Message})");
            }
        }
    }

    private static PipelineTokenizer Build(JsonElement root, string path)
    {
        Exception Fail(string problem) => SfcInputException.ForFile(path, problem);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            throw Fail("not a Hugging Face tokenizer.json (no \"model\" object)");

        var normalizer = ReadNormalizer(Property(root, "normalizer"), Fail);
        var preTokenizer = ReadPreTokenizer(Property(root, "pre_tokenizer"), Fail);
        var added = ReadAddedTokens(Property(root, "added_tokens"), Fail);

        string type = StringProperty(model, "type")
            ?? (model.TryGetProperty("merges", out _) ? "BPE" : "WordLevel");
        if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
            throw Fail($"model {type} has no \"vocab\" object");
        var vocab = new Dictionary<string, int>();
        foreach (var p in vocabElement.EnumerateObject()) vocab[p.Name] = p.Value.GetInt32();
        if (vocab.Count == 0) throw Fail("the vocabulary is empty");

        ITokenModel tokenModel;
        string kind;
        switch (type)
        {
            case "BPE":
                if (preTokenizer is not ByteLevelPreTokenizer)
                    throw Fail("only byte-level BPE is supported: model BPE needs a ByteLevel pre_tokenizer");
                if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
                    throw Fail("BPE dropout is not supported");
                if (!string.IsNullOrEmpty(StringProperty(model, "continuing_subword_prefix")) || !string.IsNullOrEmpty(StringProperty(model, "end_of_word_suffix")))
                    throw Fail("BPE continuing_subword_prefix / end_of_word_suffix are not supported");
                if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
                    throw Fail("BPE byte_fallback is not supported");
                bool ignoreMerges = model.TryGetProperty("ignore_merges", out var ignore) && ignore.ValueKind == JsonValueKind.True;
                tokenModel = new ByteLevelBpeModel(vocab, ReadMerges(model, Fail), StringProperty(model, "unk_token"), ignoreMerges, Fail);
                kind = "byte-level BPE";
                break;
            case "WordLevel":
                if (preTokenizer is not (WhitespacePreTokenizer or WhitespaceSplitPreTokenizer))
                    throw Fail("model WordLevel needs a Whitespace or WhitespaceSplit pre_tokenizer");
                tokenModel = new WordLevelModel(vocab, StringProperty(model, "unk_token") ?? "<unk>", Fail);
                kind = "WordLevel";
                break;
            default:
                throw Fail($"unsupported tokenizer model type \"{type}\" (supported: BPE with ByteLevel, WordLevel)");
        }

        int? Lookup(string content) =>
            added.FirstOrDefault(t => t.Content == content)?.Id ?? (vocab.TryGetValue(content, out int id) ? id : null);
        var (configBos, configEos) = ReadConfigSpecialTokens(path);
        int? bos = (configBos is null ? null : Lookup(configBos)) ?? TemplateBos(Property(root, "post_processor"), Lookup)
            ?? SpecialTokenConventions.FindBos(Lookup);
        int? eos = (configEos is null ? null : Lookup(configEos)) ?? SpecialTokenConventions.FindEos(Lookup);
        return new PipelineTokenizer(kind, tokenModel, normalizer, preTokenizer, added, bos, eos);
    }

    private static List<(string, string)> ReadMerges(JsonElement model, Func<string, Exception> fail)
    {
        if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
            throw fail("model BPE has no \"merges\" array");
        var merges = new List<(string, string)>(mergesElement.GetArrayLength());
        foreach (var m in mergesElement.EnumerateArray())
        {
            // Older files write "left right", newer ones ["left", "right"].
            if (m.ValueKind == JsonValueKind.String)
            {
                var parts = m.GetString()!.Split(' ');
                if (parts.Length != 2) throw fail($"merge {merges.Count + 1} is not \"left right\": \"{m.GetString()}\"");
                merges.Add((parts[0], parts[1]));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            else
                throw fail($"merge {merges.Count + 1} is neither \"left right\" nor [left, right]");
        }
        return merges;
    }

    private static ITextNormalizer? ReadNormalizer(JsonElement? element, Func<string, Exception> fail)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e) return null;
        string? type = StringProperty(e, "type");
        return type switch
        {
            "NFC" => CanonicalNormalizer.Nfc,
            "NFD" => CanonicalNormalizer.Nfd,
            "Lowercase" => LowercaseNormalizer.Instance,
            "Sequence" => new SequenceNormalizer(Items(e, "normalizers", fail)
                .Select(n => ReadNormalizer(n, fail) ?? throw fail("a null normalizer inside a Sequence")).ToList()),
            _ => throw fail($"unsupported normalizer \"{type}\" (supported: NFC, NFD, Lowercase, Sequence)"),
        };
    }

    private static IPreTokenizer ReadPreTokenizer(JsonElement? element, Func<string, Exception> fail)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e) throw fail("no pre_tokenizer (supported: ByteLevel, Whitespace, WhitespaceSplit)");
        string? type = StringProperty(e, "type");
        switch (type)
        {
            case "ByteLevel":
                return new ByteLevelPreTokenizer(BoolProperty(e, "add_prefix_space", false), BoolProperty(e, "use_regex", true));
            case "Whitespace":
                return WhitespacePreTokenizer.Instance;
            case "WhitespaceSplit":
                return WhitespaceSplitPreTokenizer.Instance;
            case "Sequence":
                var items = Items(e, "pretokenizers", fail).ToList();
                if (items.Count != 1) throw fail("a Sequence pre_tokenizer is supported only with one element");
                return ReadPreTokenizer(items[0], fail);
            default:
                throw fail($"unsupported pre_tokenizer \"{type}\" (supported: ByteLevel, Whitespace, WhitespaceSplit)");
        }
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement? element, Func<string, Exception> fail)
    {
        var added = new List<AddedToken>();
        if (element is not { ValueKind: JsonValueKind.Array } array) return added;
        foreach (var t in array.EnumerateArray())
        {
            string content = StringProperty(t, "content") ?? throw fail("an added token has no \"content\"");
            if (!t.TryGetProperty("id", out var id) || !id.TryGetInt32(out int tokenId)) throw fail($"added token \"{content}\" has no integer \"id\"");
            bool special = BoolProperty(t, "special", false);
            added.Add(new AddedToken(tokenId, content, special, BoolProperty(t, "normalized", !special),
                BoolProperty(t, "single_word", false), BoolProperty(t, "lstrip", false), BoolProperty(t, "rstrip", false)));
        }
        return added;
    }

    /// <summary>The special token a TemplateProcessing post-processor puts before the text, if any.</summary>
    private static int? TemplateBos(JsonElement? element, Func<string, int?> lookup)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e || StringProperty(e, "type") != "TemplateProcessing") return null;
        if (!e.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array || single.GetArrayLength() == 0) return null;
        var first = single[0];
        if (!first.TryGetProperty("SpecialToken", out var special)) return null;
        string? name = StringProperty(special, "id");
        if (name is null) return null;
        if (e.TryGetProperty("special_tokens", out var specials) && specials.TryGetProperty(name, out var entry)
            && entry.TryGetProperty("ids", out var ids) && ids.ValueKind == JsonValueKind.Array && ids.GetArrayLength() == 1)
            return ids[0].GetInt32();
        return lookup(name);
    }

    /// <summary>bos_token and eos_token of a tokenizer_config.json in the same folder (strings or {"content": ...}).</summary>
    private static (string? Bos, string? Eos) ReadConfigSpecialTokens(string tokenizerPath)
    {
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerPath)) ?? ".", "tokenizer_config.json");
        if (!File.Exists(configPath)) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(configPath));
            return (TokenName(doc.RootElement, "bos_token"), TokenName(doc.RootElement, "eos_token"));
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(configPath, $"not valid JSON ({e.Message})");
        }

        static string? TokenName(JsonElement root, string name) =>
            root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var v) ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString()
            : v.ValueKind == JsonValueKind.Object ? StringProperty(v, "content")
            : null;
    }

    private static IEnumerable<JsonElement> Items(JsonElement e, string name, Func<string, Exception> fail) =>
        e.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : throw fail($"a Sequence without a \"{name}\" array");

    private static JsonElement? Property(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static string? StringProperty(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool BoolProperty(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => fallback } : fallback;
}
