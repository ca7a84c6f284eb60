using System.Buffers;
using System.Text;

namespace SparseCircuits.Models.Tokenizers;

/// <summary>Renders token bytes for display: whole UTF-8 characters as text, other bytes as &lt;0xXX&gt;.</summary>
internal static class Utf8Display
{
    public static string ToText(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out int consumed) == OperationStatus.Done)
                sb.Append(rune.ToString());
            else
                for (int i = 0; i < consumed; i++) sb.Append($"<0x{bytes[i]:X2}>");
            bytes = bytes[consumed..];
        }
        return sb.ToString();
    }
}
