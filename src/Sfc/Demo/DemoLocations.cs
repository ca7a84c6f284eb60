using SparseCircuits;

namespace Sfc.Demo;

/// <summary>
/// Finds the bundled model, dictionaries and task data: relative to the working directory first (the README runs the
/// demo from the repository root), then upwards from the executable (tests and installed copies).
/// </summary>
public static class DemoLocations
{
    public const string ModelFolder = "models/agreement-gpt2";
    public const string DictionaryFolder = "models/agreement-gpt2/dictionaries";
    public const string DataFolder = "data/agreement";

    /// <summary>The repository root that holds both <see cref="ModelFolder"/> and <see cref="DataFolder"/>.</summary>
    public static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, ModelFolder)) && Directory.Exists(Path.Combine(dir.FullName, DataFolder)))
                    return dir.FullName;
        }
        throw new SfcInputException($"cannot find the bundled {ModelFolder} and {DataFolder}: run sfc demo from the repository (or pass --root DIR)");
    }
}
