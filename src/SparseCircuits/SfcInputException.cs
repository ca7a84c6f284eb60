namespace SparseCircuits;

/// <summary>
/// Bad input from a user: a missing or malformed file, a wrong shape, an unknown site, flag or token. The message is
/// one line naming the file or flag; the command-line tool prints it and exits with code 2.
/// </summary>
public sealed class SfcInputException : Exception
{
    public SfcInputException(string message) : base(message) { }

    public SfcInputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>An error about a file: "<paramref name="path"/>: <paramref name="problem"/>".</summary>
    public static SfcInputException ForFile(string path, string problem) => new($"{path}: {problem}");
}
