using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits;

/// <summary>
/// Writes a circuit as circuit.json + circuit.safetensors (DESIGN.md §6), together: both are fully written to
/// temporary files first, then renamed into place, the .safetensors first. Any failure before the renames leaves
/// the folder as it was; nothing is ever half-written.
/// </summary>
public static class CircuitWriter
{
    public static void Write(Circuit circuit, string jsonPath)
    {
        ArgumentNullException.ThrowIfNull(circuit);
        string safetensorsPath = CircuitFilePaths.SafetensorsFor(jsonPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
        if (!Directory.Exists(folder)) throw SfcInputException.ForFile(jsonPath, $"folder {folder} does not exist");
        foreach (var path in new[] { jsonPath, safetensorsPath })
            if (Directory.Exists(path)) throw SfcInputException.ForFile(path, "is a folder; cannot write the circuit there");

        // Everything that can fail on the data (validation, non-finite values) fails here, before any file exists.
        var selection = circuit.Threshold();
        var json = CircuitJsonWriter.Serialize(circuit, selection);
        var entries = CircuitTensors.Entries(circuit);

        string stagedTensors = StagingPath(safetensorsPath);
        string stagedJson = StagingPath(jsonPath);
        try
        {
            SafetensorsWriter.Write(stagedTensors, entries, CircuitTensors.Metadata(circuit));
            AtomicFile.Write(stagedJson, stream => stream.Write(json));
            File.Move(stagedTensors, Path.GetFullPath(safetensorsPath), overwrite: true);
            File.Move(stagedJson, Path.GetFullPath(jsonPath), overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(stagedTensors);
            TryDelete(stagedJson);
            if (e is IOException or UnauthorizedAccessException)
                throw SfcInputException.ForFile(jsonPath, $"cannot write the circuit: {e.Message}");
            throw;
        }
    }

    private static string StagingPath(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.staged");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover staging file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
