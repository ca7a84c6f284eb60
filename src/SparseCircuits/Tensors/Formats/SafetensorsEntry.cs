using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Formats;

/// <summary>One tensor to write into a safetensors file: float32 tensor data or int64/int32 arrays (e.g. circuit
/// edge indices), with its shape. The data is referenced, not copied.</summary>
public sealed class SafetensorsEntry
{
    private readonly ReadOnlyMemory<float> floats;
    private readonly ReadOnlyMemory<long> longs;
    private readonly ReadOnlyMemory<int> ints;

    private SafetensorsEntry(string name, StoredDType dtype, int[] shape, ReadOnlyMemory<float> floats = default,
        ReadOnlyMemory<long> longs = default, ReadOnlyMemory<int> ints = default)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name must not be empty.", nameof(name));
        if (name == SafetensorsHeader.MetadataKey) throw new ArgumentException($"'{name}' is reserved for metadata.", nameof(name));
        long count = Shapes.Count(shape);
        int length = floats.Length + longs.Length + ints.Length;
        if (count != length)
            throw new ArgumentException($"Tensor '{name}': {length} elements do not fill shape {Shapes.Format(shape)}.");
        Name = name;
        DType = dtype;
        Shape = (int[])shape.Clone();
        this.floats = floats;
        this.longs = longs;
        this.ints = ints;
    }

    public string Name { get; }

    public StoredDType DType { get; }

    public int[] Shape { get; }

    public long ByteCount => Shapes.Count(Shape) * DType.Size();

    public static SafetensorsEntry Float32(string name, Tensor tensor) =>
        new(name, StoredDType.F32, tensor.ShapeArray, floats: tensor.Storage);

    public static SafetensorsEntry Int64(string name, ReadOnlyMemory<long> values, params int[] shape) =>
        new(name, StoredDType.I64, shape, longs: values);

    public static SafetensorsEntry Int32(string name, ReadOnlyMemory<int> values, params int[] shape) =>
        new(name, StoredDType.I32, shape, ints: values);

    /// <summary>Writes the elements little-endian (the host is little-endian, so the bytes as they are).</summary>
    internal void WriteData(Stream stream)
    {
        switch (DType)
        {
            case StoredDType.F32: stream.Write(MemoryMarshal.AsBytes(floats.Span)); break;
            case StoredDType.I64: stream.Write(MemoryMarshal.AsBytes(longs.Span)); break;
            case StoredDType.I32: stream.Write(MemoryMarshal.AsBytes(ints.Span)); break;
            default: throw new InvalidOperationException($"No data for {DType}.");
        }
    }
}
