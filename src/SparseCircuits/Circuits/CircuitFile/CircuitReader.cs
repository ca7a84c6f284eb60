using System.Text.Json;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits;

/// <summary>
/// Reads a circuit written by <see cref="CircuitWriter"/>: the metadata and labels from circuit.json, the dense node
/// effects and every computed edge from circuit.safetensors. The two files must agree: every node and edge listed in
/// the JSON must exist in the tensors with the same value. Every problem is one <see cref="SfcInputException"/> line
/// naming the file.
/// </summary>
public static class CircuitReader
{
    public static Circuit Read(string jsonPath)
    {
        string safetensorsPath = CircuitFilePaths.SafetensorsFor(jsonPath);
        if (!File.Exists(jsonPath)) throw SfcInputException.ForFile(jsonPath, "file not found");
        if (!File.Exists(safetensorsPath))
            throw SfcInputException.ForFile(safetensorsPath, $"file not found; {Path.GetFileName(jsonPath)} keeps its dense effects and edges there");

        using var document = ParseJson(jsonPath);
        var root = JsonFields.Object(jsonPath, document.RootElement, "");
        var metadata = CircuitJsonReader.Metadata(root);
        var labels = CircuitJsonReader.Labels(root);

        Circuit circuit;
        using (var tensors = SafetensorsFile.Open(safetensorsPath))
        {
            var (nodes, edges) = CircuitTensorReader.Read(tensors, metadata.Aggregation);
            circuit = new Circuit(metadata, nodes, edges) { Labels = labels };
        }
        try
        {
            circuit.Validate();
        }
        catch (ArgumentException e)
        {
            throw SfcInputException.ForFile(safetensorsPath, $"does not fit {Path.GetFileName(jsonPath)}: {e.Message}");
        }
        CircuitJsonReader.CheckAgainst(root, circuit, Path.GetFileName(safetensorsPath));
        return circuit;
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(path, $"not valid JSON ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SfcInputException.ForFile(path, $"cannot read: {e.Message}");
        }
    }
}
