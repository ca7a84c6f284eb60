using System.Text.Json;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>
/// The optional <c>config.json</c> beside a dictionary_learning <c>ae.pt</c>: training hyperparameters, of which inference
/// needs only the dictionary class (to tell TopK from BatchTopK, whose state dicts look alike), <c>k</c>, and the
/// submodule name (a fallback for the site).
/// </summary>
public sealed record DictionaryLearningConfig(string? DictClass, int? K, string? SubmoduleName)
{
    public static DictionaryLearningConfig None { get; } = new(null, null, null);

    /// <summary>Reads <paramref name="path"/>; a missing file gives <see cref="None"/>.</summary>
    public static DictionaryLearningConfig Read(string path)
    {
        if (!File.Exists(path)) return None;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw SfcInputException.ForFile(path, "is not a JSON object");
            // New files hold {"dictionary": {...}, "trainer": {...}}; look in both, trainer first.
            string? dictClass = null, submodule = null;
            int? k = null;
            foreach (var section in new[] { "trainer", "dictionary" })
            {
                if (!root.TryGetProperty(section, out var s) || s.ValueKind != JsonValueKind.Object) continue;
                dictClass ??= StringField(s, "dict_class");
                submodule ??= StringField(s, "submodule_name");
                if (k is null && s.TryGetProperty("k", out var kv) && kv.ValueKind == JsonValueKind.Number)
                    k = kv.TryGetInt32(out int n) && n > 0 ? n : throw SfcInputException.ForFile(path, $"field 'k' should be a positive integer, not {kv.GetRawText()}");
            }
            return new DictionaryLearningConfig(dictClass, k, submodule);
        }
    }

    private static string? StringField(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
