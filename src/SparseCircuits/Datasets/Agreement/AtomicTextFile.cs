using System.Text;

namespace SparseCircuits.Datasets.Agreement;

/// <summary>
/// Writes a UTF-8 text file through a temporary file and a rename, so that a failure never leaves a half-written
/// output behind (DESIGN §1).
/// </summary>
internal static class AtomicTextFile
{
    public static void Write(string path, Action<TextWriter> write)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(false)))
            {
                writer.NewLine = "\n";
                write(writer);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
