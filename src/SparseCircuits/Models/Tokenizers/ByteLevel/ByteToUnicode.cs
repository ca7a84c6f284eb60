namespace SparseCircuits.Models.Tokenizers.ByteLevel;

/// <summary>
/// GPT-2's reversible map from bytes to printable characters, in which byte-level vocabularies are written:
/// printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100 onwards in byte order
/// (so a space is 'Ġ' U+0120 and a newline 'Ċ' U+010A).
/// </summary>
internal static class ByteToUnicode
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    public static char ToChar(byte b) => ByteToChar[b];

    public static bool TryToByte(char c, out byte b) => CharToByte.TryGetValue(c, out b);

    /// <summary>The vocabulary spelling of a byte string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, data) =>
        {
            for (int i = 0; i < data.Length; i++) chars[i] = ByteToChar[data[i]];
        });
    }

    /// <summary>The bytes a vocabulary spelling stands for, or null when it has a character outside the map.</summary>
    public static byte[]? Decode(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
            if (!CharToByte.TryGetValue(token[i], out bytes[i])) return null;
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
