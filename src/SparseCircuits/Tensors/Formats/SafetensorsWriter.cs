using System.Text.Json;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// Writes safetensors files as the reference implementation lays them out: tensors ordered by element size (widest
/// first, so every tensor starts aligned to its element size) then by name, packed with no gaps; a compact JSON
/// header with <c>__metadata__</c> first, padded with spaces so that the data starts at a multiple of 8 bytes.
/// The file is written atomically (temporary file, then rename).
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors.Select(t => SafetensorsEntry.Float32(t.Key, t.Value)), metadata);

    public static void Write(string path, IEnumerable<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ElementConversion.EnsureLittleEndianHost();
        var ordered = entries
            .OrderByDescending(e => e.DType.Size())
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        var duplicate = ordered.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Tensor name '{duplicate.Key}' appears twice.", nameof(entries));

        var header = Header(ordered, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var entry in ordered) entry.WriteData(stream);
        });
    }

    /// <summary>The header bytes, space-padded so that 8 + header length is a multiple of 8.</summary>
    private static byte[] Header(List<SafetensorsEntry> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in ordered)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.SafetensorsTag());
                json.WriteStartArray("shape");
                foreach (int d in entry.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += entry.ByteCount);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
