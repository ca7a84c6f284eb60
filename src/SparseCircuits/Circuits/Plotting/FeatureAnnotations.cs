using System.Text.Json;

namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// Human feature labels in the reference JSONL format: one object per line with <c>"Name"</c> (a node name without
/// position, e.g. <c>resid_5/3036</c>) and <c>"Annotation"</c>; other fields are ignored, and a name given twice
/// keeps its last annotation.
/// </summary>
public static class FeatureAnnotations
{
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "file not found");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SfcInputException.ForFile(path, $"cannot read: {e.Message}");
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var (name, annotation) = ParseLine(path, i + 1, lines[i]);
            if (!string.IsNullOrWhiteSpace(annotation)) annotations[name] = annotation;
        }
        return annotations;
    }

    private static (string Name, string? Annotation) ParseLine(string path, int number, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw SfcInputException.ForFile(path, $"line {number}: a JSON {root.ValueKind}, not an object with \"Name\" and \"Annotation\"");
            if (!root.TryGetProperty("Name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(name.GetString()))
                throw SfcInputException.ForFile(path, $"line {number}: missing string \"Name\"");
            string? annotation = null;
            if (root.TryGetProperty("Annotation", out var value))
            {
                annotation = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw SfcInputException.ForFile(path, $"line {number}: \"Annotation\" is a JSON {value.ValueKind}, not a string"),
                };
            }
            return (name.GetString()!, annotation);
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"line {number}: not valid JSON ({e.Message})");
        }
    }
}
