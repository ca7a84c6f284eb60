using System.Text.Json;

namespace SparseCircuits.Tensors.Formats;

/// <summary>Where one tensor's bytes lie, relative to the start of the data region.</summary>
internal sealed record SafetensorsSlot(StoredTensorInfo Info, long Begin, long End);

/// <summary>
/// The parsed and checked JSON header of a safetensors file: <c>{name: {dtype, shape, data_offsets}, "__metadata__":
/// {str: str}}</c>. Every slot is checked to lie inside the data region and to hold exactly dtype × shape bytes;
/// slots may overlap or come in any order (readers only need them in range).
/// </summary>
internal sealed class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference implementation's bound on header size; larger headers are treated as corrupt.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(List<SafetensorsSlot> slots, Dictionary<string, string> metadata)
    {
        Slots = slots;
        Metadata = metadata;
    }

    /// <summary>Tensors in header order.</summary>
    public List<SafetensorsSlot> Slots { get; }

    public Dictionary<string, string> Metadata { get; }

    public static SafetensorsHeader Parse(string path, byte[] json, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"safetensors header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw SfcInputException.ForFile(path, $"safetensors header is a JSON {doc.RootElement.ValueKind}, not an object");
            var slots = new List<SafetensorsSlot>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw SfcInputException.ForFile(path, $"safetensors header names '{property.Name}' twice");
                if (property.Name == MetadataKey) ReadMetadata(path, property.Value, metadata);
                else slots.Add(ReadSlot(path, property.Name, property.Value, dataLength));
            }
            return new SafetensorsHeader(slots, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw SfcInputException.ForFile(path, $"safetensors {MetadataKey} is a JSON {value.ValueKind}, not an object of strings");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw SfcInputException.ForFile(path, $"safetensors {MetadataKey} value '{entry.Name}' is a JSON {entry.Value.ValueKind}, not a string");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsSlot ReadSlot(string path, string name, JsonElement value, long dataLength)
    {
        SfcInputException Bad(string problem) => SfcInputException.ForFile(path, $"tensor '{name}': {problem}");

        if (value.ValueKind != JsonValueKind.Object) throw Bad($"header entry is a JSON {value.ValueKind}, not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad("missing string field 'dtype'");
        string tag = dtypeElement.GetString()!;
        if (!StoredDTypes.TryParseSafetensorsTag(tag, out var dtype))
            throw Bad($"unknown dtype '{tag}' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad("missing array field 'shape'");
        var shape = new int[shapeElement.GetArrayLength()];
        int axis = 0;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw Bad($"shape entry {d} is not a non-negative 32-bit integer");
            shape[axis++] = size;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad("missing field 'data_offsets' of two integers");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad($"data_offsets {offsets} are not two integers 0 <= begin <= end");
        if (end > dataLength)
            throw Bad($"data_offsets [{begin}, {end}] lie outside the data region of {dataLength} bytes (file truncated?)");

        var info = new StoredTensorInfo(name, dtype, shape);
        long needed;
        try
        {
            long count = 1;
            foreach (int d in shape) count = checked(count * d);
            needed = checked(count * dtype.Size());
        }
        catch (OverflowException)
        {
            throw Bad($"shape {Shapes.Format(shape)} is too large");
        }
        if (end - begin != needed)
            throw Bad($"data_offsets [{begin}, {end}] span {end - begin} bytes but {tag} {Shapes.Format(shape)} needs {needed}");
        return new SafetensorsSlot(info, begin, end);
    }
}
