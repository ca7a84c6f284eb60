namespace SparseCircuits.Datasets.Agreement;

/// <summary>
/// Where the repository keeps the bundled agreement experiment: the GPT-2 trained on the agreement corpus
/// (<c>models/agreement-gpt2</c>, a Hugging Face folder with its tokenizer), its SAEs (<c>models/agreement-saes</c>,
/// one SAELens folder per site) and the four tasks' train/test sets (<c>data/agreement</c>).
/// <c>scripts/rebuild-models.sh</c> makes the first two; models/README.md gives the recipe and measured quality.
/// </summary>
public sealed record BundledAgreementModel(string Root)
{
    public const string ModelPath = "models/agreement-gpt2";
    public const string DictionariesPath = "models/agreement-saes";
    public const string DataPath = "data/agreement";

    public string ModelFolder => Path.Combine(Root, ModelPath);

    public string DictionariesFolder => Path.Combine(Root, DictionariesPath);

    public string DataFolder => Path.Combine(Root, DataPath);

    /// <summary>The task's test set, e.g. data/agreement/nounpp_test.jsonl.</summary>
    public string TestSet(AgreementTask task) => Path.Combine(DataFolder, AgreementDatasetWriter.TestFileName(task));

    /// <summary>The task's training set.</summary>
    public string TrainSet(AgreementTask task) => Path.Combine(DataFolder, AgreementDatasetWriter.TrainFileName(task));

    /// <summary>The repository holding the bundled model: <paramref name="start"/> (default: the current folder) or the
    /// nearest folder above it with models/agreement-gpt2/config.json.</summary>
    /// <exception cref="SfcInputException">None found.</exception>
    public static BundledAgreementModel Find(string? start = null)
    {
        var first = new DirectoryInfo(Path.GetFullPath(start ?? Directory.GetCurrentDirectory()));
        for (var dir = first; dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, ModelPath, "config.json"))) return new BundledAgreementModel(dir.FullName);
        throw SfcInputException.ForFile(first.FullName,
            $"the bundled model ({ModelPath}) is not here or in any folder above; run from the repository, or rebuild it with scripts/rebuild-models.sh");
    }
}
