namespace SparseCircuits.Models.Tokenizers;

/// <summary>File reading with the project's error for a missing or empty file.</summary>
internal static class TokenizerFiles
{
    public static byte[] ReadAllBytes(string path)
    {
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "file not found");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) throw SfcInputException.ForFile(path, "file is empty");
        return bytes;
    }
}
