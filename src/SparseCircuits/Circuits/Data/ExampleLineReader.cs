using System.Text.Json;

namespace SparseCircuits.Circuits.Data;

/// <summary>
/// Reads a JSON-lines data file into records, one per non-blank line (lines end at \n, \r\n or \r, as Python's
/// readlines sees a text file). Any malformed line fails the whole file, naming the line.
/// </summary>
internal static class ExampleLineReader
{
    public static List<NumberedRecord> Read(string path)
    {
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "no such data file");
        var records = new List<NumberedRecord>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            records.Add(new NumberedRecord($"line {lineNumber}", Parse(line, path, lineNumber)));
        }
        if (records.Count == 0) throw SfcInputException.ForFile(path, "no examples (the file is empty)");
        return records;
    }

    private static ExampleRecord Parse(string line, string path, int lineNumber)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw Fail(path, lineNumber, $"not JSON ({FirstSentence(e.Message)})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Fail(path, lineNumber, $"expected a JSON object, found {root.ValueKind}");
            var fields = new Fields(root, path, lineNumber);
            return new ExampleRecord
            {
                CleanPrefix = fields.Text("clean_prefix"),
                PatchPrefix = fields.Text("patch_prefix"),
                CleanAnswer = fields.Text("clean_answer"),
                PatchAnswer = fields.Text("patch_answer"),
                Case = fields.Text("case"),
                CleanIds = fields.Ids("clean_ids"),
                PatchIds = fields.Ids("patch_ids"),
                CleanAnswerId = fields.Id("clean_answer_id"),
                PatchAnswerId = fields.Id("patch_answer_id"),
            };
        }
    }

    private static SfcInputException Fail(string path, int lineNumber, string problem) =>
        SfcInputException.ForFile(path, $"line {lineNumber}: {problem}");

    private static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.');

    /// <summary>Typed access to the optional fields of one line; null or absent fields read as null.</summary>
    private readonly record struct Fields(JsonElement Root, string Path, int LineNumber)
    {
        public string? Text(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(name, "a string", v)
            : null;

        public int? Id(string name) => Get(name) is { } v ? AsId(name, v) : null;

        public int[]? Ids(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind != JsonValueKind.Array) throw Wrong(name, "an array of token ids", v);
            var ids = new int[v.GetArrayLength()];
            int i = 0;
            foreach (var item in v.EnumerateArray()) ids[i++] = AsId(name, item);
            return ids;
        }

        private JsonElement? Get(string name) =>
            Root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private int AsId(string name, JsonElement v) =>
            v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int id) ? id : throw Wrong(name, "integer token ids", v);

        private SfcInputException Wrong(string name, string expected, JsonElement found) =>
            Fail(Path, LineNumber, $"\"{name}\" must be {expected}, found {Shorten(found.GetRawText())}");

        private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..37] + "...";
    }
}
