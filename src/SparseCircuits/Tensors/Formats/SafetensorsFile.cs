using System.Buffers.Binary;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// A safetensors file, memory-mapped: opening reads and checks only the header, so opening gigabytes is
/// immediate. <see cref="MapTensor"/> exposes float32 tensors without copying (they stay valid after this object is
/// disposed: a file from which a tensor was mapped stays mapped for the life of the process, see
/// <see cref="MappedFile"/>); <see cref="ReadTensor"/> copies and converts F16/BF16/F64 (and integer types) to float32.
/// Reads are thread-safe.
/// </summary>
public sealed class SafetensorsFile : ITensorFile
{
    private readonly MappedFile mapping;
    private readonly long dataStart;
    private readonly Dictionary<string, SafetensorsSlot> slots;
    private readonly string[] names;
    private int disposed;

    /// <summary>Elements converted per step (at most 8 bytes each, so each step's bytes fit one span).</summary>
    private const int ChunkElements = 1 << 26;

    private SafetensorsFile(string path, MappedFile mapping, long dataStart, SafetensorsHeader header)
    {
        Path = path;
        this.mapping = mapping;
        this.dataStart = dataStart;
        slots = header.Slots.ToDictionary(s => s.Info.Name, StringComparer.Ordinal);
        names = header.Slots.Select(s => s.Info.Name).ToArray();
        Metadata = header.Metadata;
    }

    public string Path { get; }

    public IReadOnlyList<string> Names => names;

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        ElementConversion.EnsureLittleEndianHost();
        var file = new FileInfo(path);
        if (!file.Exists) throw SfcInputException.ForFile(path, "file not found");
        long length = file.Length;
        if (length < 8)
            throw SfcInputException.ForFile(path, $"truncated: {length} bytes, too short for the 8-byte safetensors header length");

        MappedFile mapping;
        try
        {
            mapping = MappedFile.Open(path, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SfcInputException.ForFile(path, $"cannot open: {e.Message}");
        }

        try
        {
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(mapping.Bytes(0, 8));
            if (headerLength > (ulong)(length - 8))
                throw SfcInputException.ForFile(path, $"truncated or not a safetensors file: header length {headerLength} runs past the end of the file ({length} bytes)");
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw SfcInputException.ForFile(path, $"safetensors header length {headerLength} exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit");
            var json = mapping.Bytes(8, (int)headerLength).ToArray();
            long dataStart = 8 + (long)headerLength;
            var header = SafetensorsHeader.Parse(path, json, length - dataStart);
            return new SafetensorsFile(path, mapping, dataStart, header);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>The copying load: every tensor of the file as a float32 copy (converted from its stored type), in
    /// file order; the file is closed afterwards.</summary>
    public static IReadOnlyDictionary<string, Tensor> LoadAll(string path)
    {
        using var file = Open(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in file.Names) tensors[name] = file.ReadTensor(name);
        return tensors;
    }

    public bool Contains(string name) => slots.ContainsKey(name);

    public StoredTensorInfo Info(string name)
    {
        var info = Slot(name).Info;
        return info with { Shape = (int[])info.Shape.Clone() };
    }

    public Tensor ReadTensor(string name)
    {
        var slot = Slot(name);
        var tensor = Tensor.Empty(CheckedShape(slot.Info));
        var destination = tensor.Span;
        int size = slot.Info.DType.Size();
        // Chunks keep every byte span under 2 GB, the limit of one span, for tensors larger than that.
        for (int start = 0; start < destination.Length; start += ChunkElements)
        {
            int count = Math.Min(ChunkElements, destination.Length - start);
            var bytes = mapping.Bytes(dataStart + slot.Begin + (long)start * size, count * size);
            ElementConversion.ToSingle(bytes, slot.Info.DType, destination.Slice(start, count));
        }
        return tensor;
    }

    /// <summary>A float32 tensor over the mapped file, without a copy. Writes to it change private copy-on-write
    /// pages, never the file. Only F32 tensors can be mapped; use <see cref="ReadTensor"/> for others.</summary>
    public Tensor MapTensor(string name)
    {
        var slot = Slot(name);
        if (slot.Info.DType != StoredDType.F32)
            throw SfcInputException.ForFile(Path, $"tensor '{name}' is {slot.Info.DType.SafetensorsTag()}; only F32 tensors can be mapped without conversion");
        var shape = CheckedShape(slot.Info);
        int count = (int)slot.Info.ElementCount;
        if (count == 0) return Tensor.Zeros(shape);
        return new Tensor(mapping.Floats(dataStart + slot.Begin, count), shape);
    }

    public Tensor GetTensor(string name) => Info(name).DType == StoredDType.F32 ? MapTensor(name) : ReadTensor(name);

    public long[] ReadInt64(string name)
    {
        var slot = Slot(name);
        if (slot.Info.DType.IsFloatingPoint())
            throw SfcInputException.ForFile(Path, $"tensor '{name}' is {slot.Info.DType.SafetensorsTag()}, not an integer type");
        var values = new long[CheckedCount(slot.Info)];
        int size = slot.Info.DType.Size();
        for (int start = 0; start < values.Length; start += ChunkElements)
        {
            int count = Math.Min(ChunkElements, values.Length - start);
            var bytes = mapping.Bytes(dataStart + slot.Begin + (long)start * size, count * size);
            ElementConversion.TryToInt64(bytes, slot.Info.DType, values.AsSpan(start, count));
        }
        return values;
    }

    /// <summary>An integer tensor as int32 (I32 directly; wider types must fit).</summary>
    public int[] ReadInt32(string name)
    {
        var wide = ReadInt64(name);
        var values = new int[wide.Length];
        for (int i = 0; i < wide.Length; i++)
        {
            if (wide[i] is < int.MinValue or > int.MaxValue)
                throw SfcInputException.ForFile(Path, $"tensor '{name}' element {i} = {wide[i]} does not fit in int32");
            values[i] = (int)wide[i];
        }
        return values;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0) mapping.Dispose();
    }

    private SafetensorsSlot Slot(string name)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        return slots.TryGetValue(name, out var slot) ? slot : throw SfcInputException.ForFile(Path, $"no tensor named '{name}'");
    }

    private int[] CheckedShape(StoredTensorInfo info)
    {
        CheckedCount(info);
        return (int[])info.Shape.Clone();
    }

    private int CheckedCount(StoredTensorInfo info) =>
        info.ElementCount <= Array.MaxLength
            ? (int)info.ElementCount
            : throw SfcInputException.ForFile(Path, $"tensor '{info.Name}' {Shapes.Format(info.Shape)} is too large for one buffer");
}
