namespace SparseCircuits.Circuits;

/// <summary>A circuit is two files with one stem: <c>out.json</c> and <c>out.safetensors</c>.</summary>
public static class CircuitFilePaths
{
    /// <summary>The .safetensors path beside <paramref name="jsonPath"/>, which must end in .json.</summary>
    public static string SafetensorsFor(string jsonPath)
    {
        if (string.IsNullOrWhiteSpace(jsonPath)) throw new SfcInputException("circuit path: empty; expected a .json file");
        if (!jsonPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            throw SfcInputException.ForFile(jsonPath, "a circuit is named by its .json file (its .safetensors lies beside it with the same stem)");
        return Path.ChangeExtension(jsonPath, ".safetensors");
    }
}
