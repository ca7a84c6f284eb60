using System.Buffers.Binary;

namespace SparseCircuits.Tensors.Formats;

/// <summary>Where an uncompressed ("stored") zip entry's bytes start in the archive file.</summary>
internal readonly record struct ZipStoredEntry(long DataOffset, long Length);

/// <summary>
/// Finds the data of stored (uncompressed) entries of a zip archive by reading its central directory and local headers
/// (ZIP64 included), so that a checkpoint written by <c>torch.save</c>, whose storages are stored uncompressed, can be
/// memory-mapped instead of copied. Compressed entries, and archives this does not understand, are simply left out:
/// callers fall back to reading through <see cref="System.IO.Compression.ZipArchive"/>.
/// </summary>
internal static class ZipStoredEntries
{
    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint Zip64EndLocator = 0x07064b50;
    private const uint Zip64End = 0x06064b50;
    private const uint CentralHeader = 0x02014b50;
    private const uint LocalHeader = 0x04034b50;

    public static Dictionary<string, ZipStoredEntry> Read(MappedFile file)
    {
        var result = new Dictionary<string, ZipStoredEntry>(StringComparer.Ordinal);
        try
        {
            long end = FindEnd(file);
            if (end < 0) return result;
            long count = U16(file, end + 10);
            long directory = U32(file, end + 16);
            if ((count == 0xFFFF || directory == 0xFFFFFFFF) && end >= 20 && U32(file, end - 20) == Zip64EndLocator)
            {
                long zip64 = (long)U64(file, end - 20 + 8);
                if (U32(file, zip64) != Zip64End) return result;
                count = (long)U64(file, zip64 + 32);
                directory = (long)U64(file, zip64 + 48);
            }
            long at = directory;
            for (long i = 0; i < count; i++)
            {
                if (U32(file, at) != CentralHeader) return result;
                int method = U16(file, at + 10);
                long compressed = U32(file, at + 20), size = U32(file, at + 24);
                int nameLength = U16(file, at + 28), extraLength = U16(file, at + 30), commentLength = U16(file, at + 32);
                long local = U32(file, at + 42);
                var name = System.Text.Encoding.UTF8.GetString(file.Bytes(at + 46, nameLength));
                ReadZip64Sizes(file, at + 46 + nameLength, extraLength, ref size, ref compressed, ref local);
                at += 46 + nameLength + extraLength + commentLength;
                if (method != 0 || compressed != size || U32(file, local) != LocalHeader) continue;
                long data = local + 30 + U16(file, local + 26) + U16(file, local + 28);
                if (data + size <= file.Length) result[name] = new ZipStoredEntry(data, size);
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            // A truncated or unusual archive: map nothing and let the stream reader report any problem.
        }
        return result;
    }

    /// <summary>The end-of-central-directory record: the last signature within the final 64 KiB + 22 bytes.</summary>
    private static long FindEnd(MappedFile file)
    {
        long first = Math.Max(0, file.Length - 22 - 0xFFFF);
        for (long at = file.Length - 22; at >= first; at--)
            if (U32(file, at) == EndOfCentralDirectory) return at;
        return -1;
    }

    /// <summary>The ZIP64 extra field (id 1) holds, in order, the sizes and offset whose 32-bit fields are all ones.</summary>
    private static void ReadZip64Sizes(MappedFile file, long extra, int length, ref long size, ref long compressed, ref long local)
    {
        for (long at = extra; at + 4 <= extra + length;)
        {
            int id = U16(file, at), fieldLength = U16(file, at + 2);
            if (id == 1)
            {
                long p = at + 4;
                if (size == 0xFFFFFFFF) { size = (long)U64(file, p); p += 8; }
                if (compressed == 0xFFFFFFFF) { compressed = (long)U64(file, p); p += 8; }
                if (local == 0xFFFFFFFF) local = (long)U64(file, p);
                return;
            }
            at += 4 + fieldLength;
        }
    }

    private static int U16(MappedFile f, long at) => BinaryPrimitives.ReadUInt16LittleEndian(f.Bytes(at, 2));

    private static long U32(MappedFile f, long at) => BinaryPrimitives.ReadUInt32LittleEndian(f.Bytes(at, 4));

    private static ulong U64(MappedFile f, long at) => BinaryPrimitives.ReadUInt64LittleEndian(f.Bytes(at, 8));
}
