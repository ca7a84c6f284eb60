using System.Text.Json;

namespace SparseCircuits.Circuits;

/// <summary>Typed access to the fields of a JSON object read from a user's file; every problem is one
/// <see cref="SfcInputException"/> line naming the file and the field.</summary>
internal readonly struct JsonFields(string path, JsonElement element, string where)
{
    public JsonElement Element => element;

    public static JsonFields Object(string path, JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.Object
            ? new JsonFields(path, element, where)
            : throw SfcInputException.ForFile(path, $"{where} is a JSON {element.ValueKind}, not an object");

    public SfcInputException Error(string problem) => SfcInputException.ForFile(path, $"{where}{problem}");

    public bool Has(string name) => element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement Get(string name) =>
        element.TryGetProperty(name, out var value) ? value : throw Error($"missing \"{name}\"");

    public JsonElement Get(string name, JsonValueKind kind)
    {
        var value = Get(name);
        return value.ValueKind == kind ? value : throw Error($"\"{name}\" is a JSON {value.ValueKind}, not {Article(kind)}");
    }

    public string String(string name) => Get(name, JsonValueKind.String).GetString()!;

    public int Int(string name) =>
        Get(name, JsonValueKind.Number).TryGetInt32(out int value) ? value : throw Error($"\"{name}\" is not a 32-bit integer");

    public double Double(string name) => Get(name, JsonValueKind.Number).GetDouble();

    /// <summary>A number, or NaN where the writer stored null for a value that was not a number.</summary>
    public double DoubleOrNaN(string name)
    {
        var value = Get(name);
        return value.ValueKind == JsonValueKind.Null ? double.NaN
            : value.ValueKind == JsonValueKind.Number ? value.GetDouble()
            : throw Error($"\"{name}\" is a JSON {value.ValueKind}, not a number");
    }

    public float Single(string name) =>
        Get(name, JsonValueKind.Number).TryGetSingle(out float value) ? value : throw Error($"\"{name}\" is not a float32 number");

    public JsonFields Child(string name) => Object(path, Get(name), $"{where}\"{name}\": ");

    /// <summary>An object inside this one (an array element), reported as <paramref name="childWhere"/>.</summary>
    public JsonFields Nested(JsonElement child, string childWhere) => Object(path, child, childWhere);

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => kind.ToString(),
    };
}
