using System.Text;
using System.Text.Json;

namespace SparseCircuits.Datasets.Agreement;

/// <summary>Writes examples as JSON lines, spaced like the paper's files (Python's json.dumps defaults).</summary>
public static class AgreementJsonLines
{
    /// <summary>One line, without its newline: {"clean_prefix": "The boy", "patch_prefix": ..., "case": "singular"}.</summary>
    public static string Format(AgreementExample example)
    {
        var line = new StringBuilder(160);
        line.Append('{');
        AppendField(line, "clean_prefix", example.CleanPrefix).Append(", ");
        AppendField(line, "patch_prefix", example.PatchPrefix).Append(", ");
        AppendField(line, "clean_answer", example.CleanAnswer).Append(", ");
        AppendField(line, "patch_answer", example.PatchAnswer).Append(", ");
        AppendField(line, "case", example.Case);
        return line.Append('}').ToString();
    }

    /// <summary>Writes one line per example ("\n" endings, UTF-8), replacing <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IEnumerable<AgreementExample> examples) =>
        Tensors.Formats.AtomicFile.WriteText(path, writer =>
        {
            foreach (var example in examples)
            {
                writer.Write(Format(example));
                writer.Write('\n');
            }
        });

    private static StringBuilder AppendField(StringBuilder line, string name, string value) =>
        line.Append(JsonSerializer.Serialize(name)).Append(": ").Append(JsonSerializer.Serialize(value));
}
