using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// A PyTorch checkpoint in the zip format of <c>torch.save</c> (PyTorch ≥ 1.6): <c>pytorch_model.bin</c>,
/// dictionary_learning's <c>ae.pt</c>. The archive holds <c>{prefix}/data.pkl</c>, a pickle of the state dict
/// whose tensors point at storages <c>{prefix}/data/{key}</c> (raw little-endian elements).
/// <para>Safety: the pickle runs in <see cref="PickleMachine"/> with <see cref="TorchPickleResolver"/>'s allow-list,
/// so only dicts of tensors (and plain values) can be loaded; any other global is refused with
/// <see cref="SfcInputException"/>.</para>
/// <para>Names: nested dicts are flattened with dots (<c>{"state_dict": {"w": t}}</c> gives <c>state_dict.w</c>);
/// non-tensor values (step counters, configs, lists) are skipped. Opening reads the pickle and checks every view
/// against its storage; <see cref="ReadTensor"/> then reads one tensor, making strided views contiguous.</para>
/// </summary>
public sealed class TorchZipFile : ITensorFile
{
    private const int ChunkBytes = 1 << 22;

    private readonly FileStream stream;
    private readonly ZipArchive archive;
    private readonly string prefix;
    private readonly Dictionary<string, TorchStoredTensor> tensors;
    private readonly string[] names;
    private readonly object gate = new();
    private bool disposed;
    private MappedFile? mapping;
    private Dictionary<string, ZipStoredEntry>? storedEntries;

    private TorchZipFile(string path, FileStream stream, ZipArchive archive, string prefix, List<KeyValuePair<string, TorchStoredTensor>> flattened)
    {
        Path = path;
        this.stream = stream;
        this.archive = archive;
        this.prefix = prefix;
        names = flattened.Select(e => e.Key).ToArray();
        tensors = flattened.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    public string Path { get; }

    public IReadOnlyList<string> Names => names;

    public static TorchZipFile Open(string path)
    {
        ElementConversion.EnsureLittleEndianHost();
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "file not found");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SfcInputException.ForFile(path, $"cannot open: {e.Message}");
        }

        try
        {
            CheckMagic(path, stream);
            ZipArchive archive;
            try
            {
                archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw SfcInputException.ForFile(path, $"corrupt PyTorch zip archive ({e.Message})");
            }

            try
            {
                string prefix = FindPrefix(path, archive);
                CheckByteOrder(path, archive, prefix);
                var resolver = new TorchPickleResolver(path);
                var root = PickleMachine.Load(path, ReadEntry(path, archive, prefix + "data.pkl"), resolver);
                if (root is not PickleDict dict)
                    throw SfcInputException.ForFile(path, $"holds a {PickleMachine.Describe(root)}, not a state dict");
                var flattened = new List<KeyValuePair<string, TorchStoredTensor>>();
                Flatten(path, dict, "", flattened, new HashSet<string>(StringComparer.Ordinal));
                CheckStorages(path, archive, prefix, resolver.Storages.Values);
                return new TorchZipFile(path, stream, archive, prefix, flattened);
            }
            catch
            {
                archive.Dispose();
                throw;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => tensors.ContainsKey(name);

    public StoredTensorInfo Info(string name)
    {
        var t = Stored(name);
        return new StoredTensorInfo(name, t.Storage.DType, (int[])t.Shape.Clone());
    }

    public Tensor ReadTensor(string name)
    {
        var t = Stored(name);
        var result = Tensor.Empty(CheckedShape(name, t));
        var dtype = t.Storage.DType;
        if (dtype == StoredDType.F32) ReadDirect(t, result.Span);
        else ReadConverted(t, (bytes, start) => ElementConversion.ToSingle(bytes, dtype, result.Span.Slice(start, bytes.Length / dtype.Size())));
        return result;
    }

    /// <summary>The tensor without a copy where the file allows it: a contiguous float32 view of a storage that is stored
    /// uncompressed (as torch.save writes them) is memory-mapped copy-on-write, as <see cref="SafetensorsFile.MapTensor"/>
    /// does; anything else is read as by <see cref="ReadTensor"/>.</summary>
    public Tensor GetTensor(string name) => TryMap(name) ?? ReadTensor(name);

    private Tensor? TryMap(string name)
    {
        var t = Stored(name);
        if (t.Storage.DType != StoredDType.F32 || !t.IsContiguous || t.ElementCount == 0 || t.ElementCount > Array.MaxLength) return null;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (storedEntries is null)
            {
                try
                {
                    mapping = MappedFile.Open(Path, stream.Length);
                    storedEntries = ZipStoredEntries.Read(mapping);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    storedEntries = new Dictionary<string, ZipStoredEntry>();
                }
            }
            if (!storedEntries.TryGetValue($"{prefix}data/{t.Storage.Key}", out var entry)) return null;
            long offset = entry.DataOffset + t.Offset * sizeof(float);
            if (offset % sizeof(float) != 0 || (t.Offset + t.ElementCount) * sizeof(float) > entry.Length) return null;
            return new Tensor(mapping!.Floats(offset, (int)t.ElementCount), CheckedShape(name, t));
        }
    }

    public long[] ReadInt64(string name)
    {
        var t = Stored(name);
        var dtype = t.Storage.DType;
        if (dtype.IsFloatingPoint()) throw SfcInputException.ForFile(Path, $"tensor '{name}' is {dtype.SafetensorsTag()}, not an integer type");
        CheckedShape(name, t);
        var result = new long[t.ElementCount];
        if (dtype == StoredDType.I64) ReadDirect<long>(t, result);
        else ReadConverted(t, (bytes, start) => ElementConversion.TryToInt64(bytes, dtype, result.AsSpan(start, bytes.Length / dtype.Size())));
        return result;
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            mapping?.Dispose();
            archive.Dispose();
            stream.Dispose();
        }
    }

    private TorchStoredTensor Stored(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return tensors.TryGetValue(name, out var t) ? t : throw SfcInputException.ForFile(Path, $"no tensor named '{name}'");
    }

    private int[] CheckedShape(string name, TorchStoredTensor t) =>
        t.ElementCount <= Array.MaxLength
            ? (int[])t.Shape.Clone()
            : throw SfcInputException.ForFile(Path, $"tensor '{name}' {Shapes.Format(t.Shape)} is too large for one buffer");

    /// <summary>Reads the view's elements, dense and row-major, straight into <paramref name="destination"/>
    /// (whose element type has the storage's element size: the stored type itself).</summary>
    private void ReadDirect<T>(TorchStoredTensor t, Span<T> destination) where T : unmanaged
    {
        if (destination.IsEmpty) return;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            try
            {
                using var data = OpenStorage(t.Storage, t.Offset * t.Storage.DType.Size());
                if (t.IsContiguous)
                {
                    int perChunk = (1 << 30) / t.Storage.DType.Size(); // one read call takes at most 2 GB
                    for (int start = 0; start < destination.Length; start += perChunk)
                        data.ReadExactly(MemoryMarshal.AsBytes(destination.Slice(start, Math.Min(perChunk, destination.Length - start))));
                }
                else StridedGather.Gather(MemoryMarshal.Cast<byte, T>(ReadExtent(data, t)), t.Shape, t.Stride, destination);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw Unreadable(t, e);
            }
        }
    }

    /// <summary>Hands the view's elements, dense and row-major, to <paramref name="sink"/> in chunks (raw bytes,
    /// index of the chunk's first element), for conversion to another type.</summary>
    private void ReadConverted(TorchStoredTensor t, ReadOnlySpanAction<byte, int> sink)
    {
        int size = t.Storage.DType.Size();
        int count = (int)t.ElementCount;
        if (count == 0) return;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            try
            {
                using var data = OpenStorage(t.Storage, t.Offset * size);
                if (!t.IsContiguous)
                {
                    if ((long)count * size > Array.MaxLength) throw SfcInputException.ForFile(Path, $"strided tensor {Shapes.Format(t.Shape)} is too large to gather");
                    var dense = GC.AllocateUninitializedArray<byte>(count * size);
                    StridedGather.Gather(ReadExtent(data, t), size, t.Shape, t.Stride, dense);
                    sink(dense, 0);
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
                try
                {
                    int perChunk = ChunkBytes / size;
                    for (int start = 0; start < count; start += perChunk)
                    {
                        var chunk = buffer.AsSpan(0, Math.Min(perChunk, count - start) * size);
                        data.ReadExactly(chunk);
                        sink(chunk, start);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                throw Unreadable(t, e);
            }
        }
    }

    /// <summary>The storage bytes a strided view spans, from its first element on.</summary>
    private byte[] ReadExtent(Stream data, TorchStoredTensor t)
    {
        long bytes = (t.Extent - t.Offset) * t.Storage.DType.Size();
        if (bytes > Array.MaxLength) throw SfcInputException.ForFile(Path, $"strided tensor {Shapes.Format(t.Shape)} spans too many bytes to gather");
        var raw = GC.AllocateUninitializedArray<byte>((int)bytes);
        data.ReadExactly(raw);
        return raw;
    }

    private SfcInputException Unreadable(TorchStoredTensor t, Exception e) =>
        SfcInputException.ForFile(Path, $"cannot read storage '{t.Storage.Key}' ({e.Message})");

    /// <summary>The storage's entry, positioned at <paramref name="byteOffset"/>.</summary>
    private Stream OpenStorage(TorchStorage storage, long byteOffset)
    {
        var entry = archive.GetEntry($"{prefix}data/{storage.Key}")!;
        var data = entry.Open();
        if (data.CanSeek) data.Seek(byteOffset, SeekOrigin.Begin);
        else
        {
            var skip = new byte[Math.Min(byteOffset, ChunkBytes)];
            for (long left = byteOffset; left > 0;)
            {
                int n = data.Read(skip, 0, (int)Math.Min(left, skip.Length));
                if (n == 0) throw SfcInputException.ForFile(Path, $"storage '{storage.Key}' ends early");
                left -= n;
            }
        }
        return data;
    }

    private static void CheckMagic(string path, FileStream stream)
    {
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n == 4 && head.SequenceEqual("PK\x03\x04"u8)) return;
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw SfcInputException.ForFile(path, "legacy (pre-1.6, non-zip) PyTorch serialization is not supported; re-save it with torch.save in PyTorch >= 1.6");
        throw SfcInputException.ForFile(path, n < 4 ? $"truncated: {n} bytes" : "not a PyTorch checkpoint (no zip signature)");
    }

    /// <summary>The archive's top folder ("archive/", "ae/", ...): the one holding data.pkl.</summary>
    private static string FindPrefix(string path, ZipArchive archive)
    {
        var candidates = archive.Entries
            .Select(e => e.FullName)
            .Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length)
            .ToList();
        return candidates.Count switch
        {
            1 => candidates[0][..^"data.pkl".Length],
            0 => throw SfcInputException.ForFile(path, "zip archive has no <name>/data.pkl: not a PyTorch checkpoint"),
            _ => throw SfcInputException.ForFile(path, $"zip archive has {candidates.Count} data.pkl records"),
        };
    }

    private static void CheckByteOrder(string path, ZipArchive archive, string prefix)
    {
        if (archive.GetEntry(prefix + "byteorder") is null) return; // older files: little-endian
        var order = System.Text.Encoding.ASCII.GetString(ReadEntry(path, archive, prefix + "byteorder")).Trim();
        if (order != "little") throw SfcInputException.ForFile(path, $"storages are '{order}'-endian; only little-endian checkpoints are supported");
    }

    private static byte[] ReadEntry(string path, ZipArchive archive, string name)
    {
        var entry = archive.GetEntry(name) ?? throw SfcInputException.ForFile(path, $"zip archive has no {name}");
        if (entry.Length > Array.MaxLength) throw SfcInputException.ForFile(path, $"{name} is too large");
        var bytes = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            s.ReadExactly(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw SfcInputException.ForFile(path, $"cannot read {name} from the archive ({e.Message})");
        }
        return bytes;
    }

    private static void CheckStorages(string path, ZipArchive archive, string prefix, IEnumerable<TorchStorage> storages)
    {
        foreach (var storage in storages)
        {
            var name = $"{prefix}data/{storage.Key}";
            var entry = archive.GetEntry(name) ?? throw SfcInputException.ForFile(path, $"storage '{storage.Key}' is missing from the archive ({name})");
            long needed = storage.ElementCount * storage.DType.Size();
            if (entry.Length < needed)
                throw SfcInputException.ForFile(path, $"storage '{storage.Key}' has {entry.Length} bytes but {storage.ElementCount} {storage.DType.SafetensorsTag()} elements need {needed} (truncated?)");
        }
    }

    private static void Flatten(string path, PickleDict dict, string prefix, List<KeyValuePair<string, TorchStoredTensor>> into, HashSet<string> seen)
    {
        foreach (var (key, value) in dict.Items)
        {
            string name = prefix + Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture);
            switch (value)
            {
                case TorchStoredTensor tensor:
                    if (!seen.Add(name)) throw SfcInputException.ForFile(path, $"tensor name '{name}' occurs twice after flattening nested dicts");
                    into.Add(new(name, tensor));
                    break;
                case PickleDict inner:
                    Flatten(path, inner, name + ".", into, seen);
                    break;
            }
        }
    }
}
