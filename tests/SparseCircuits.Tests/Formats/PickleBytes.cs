using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SparseCircuits.Tests.Formats;

/// <summary>Assembles pickle opcodes by hand (from the pickle protocol's definition) to make hostile or unusual
/// PyTorch checkpoints inside tests.</summary>
internal sealed class PickleBytes
{
    private readonly List<byte> bytes = new();

    public PickleBytes Op(params byte[] ops)
    {
        bytes.AddRange(ops);
        return this;
    }

    public PickleBytes Proto(byte version) => Op(0x80, version);

    public PickleBytes Mark() => Op((byte)'(');

    public PickleBytes Stop() => Op((byte)'.');

    public PickleBytes EmptyDict() => Op((byte)'}');

    public PickleBytes EmptyTuple() => Op((byte)')');

    public PickleBytes Tuple() => Op((byte)'t');

    public PickleBytes Reduce() => Op((byte)'R');

    public PickleBytes SetItems() => Op((byte)'u');

    public PickleBytes BinPersId() => Op((byte)'Q');

    public PickleBytes Global(string module, string name) => Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleBytes StackGlobal(string module, string name) => ShortUnicode(module).ShortUnicode(name).Op(0x93);

    public PickleBytes Unicode(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
        return Op((byte)'X').Op(length).Op(utf8);
    }

    public PickleBytes ShortUnicode(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        return Op(0x8c, (byte)utf8.Length).Op(utf8);
    }

    public PickleBytes Int(long value)
    {
        if (value is >= 0 and < 256) return Op((byte)'K', (byte)value);
        var le = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(le, value);
        return Op(0x8a, 8).Op(le); // LONG1
    }

    /// <summary>A tensor as torch.save writes it: _rebuild_tensor_v2((persistent storage id), offset, size, stride,
    /// False, OrderedDict()).</summary>
    public PickleBytes Tensor(string storageType, string key, long storageNumel, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Unicode("storage").Global("torch", storageType).Unicode(key).Unicode("cpu").Int(storageNumel).Tuple().BinPersId();
        Int(offset);
        Mark();
        foreach (var s in size) Int(s);
        Tuple().Mark();
        foreach (var s in stride) Int(s);
        Tuple();
        Op(0x89); // NEWFALSE
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => bytes.ToArray();

    /// <summary>A zip laid out like torch.save's: archive/data.pkl, archive/data/{key}, archive/version.</summary>
    public static byte[] Archive(byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
            Add("archive/data.pkl", pickle);
            foreach (var (key, data) in storages) Add($"archive/data/{key}", data);
            Add("archive/version", "3\n"u8.ToArray());
        }
        return buffer.ToArray();
    }
}
