using System.Text.Json;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>A golden file of TestData/tokenizers: texts with the ids an independent implementation gave them.</summary>
public sealed record GoldenCase(string Text, int[] Ids, string? Decoded, bool Special);

/// <summary>A text with its NFC and NFD forms from normalization.golden.json.</summary>
public sealed record NormalizationCase(string Text, string Nfc, string Nfd);

public static class GoldenFile
{
    public static IReadOnlyDictionary<string, NormalizationCase> ReadNormalization()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Paths.TestData("tokenizers", "normalization.golden.json")));
        var cases = new Dictionary<string, NormalizationCase>(StringComparer.Ordinal);
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            cases.TryAdd(text, new NormalizationCase(text, c.GetProperty("nfc").GetString()!, c.GetProperty("nfd").GetString()!));
        }
        return cases;
    }

    /// <summary>The hand-picked cases of a golden file.</summary>
    public static IReadOnlyList<GoldenCase> Read(string name) => Read(name, "cases");

    /// <summary>The cases made of random pieces (same texts in every file, from a fixed seed).</summary>
    public static IReadOnlyList<GoldenCase> ReadFuzz(string name) => Read(name, "fuzz");

    private static IReadOnlyList<GoldenCase> Read(string name, string section)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Paths.TestData("tokenizers", name)));
        return doc.RootElement.GetProperty(section).EnumerateArray().Select(c => new GoldenCase(
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            c.TryGetProperty("decoded", out var d) ? d.GetString() : null,
            c.TryGetProperty("special", out var s) && s.GetBoolean())).ToList();
    }
}
