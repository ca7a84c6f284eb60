namespace SparseCircuits.Datasets.Agreement;

/// <summary>A file written by <see cref="AgreementDatasetWriter"/> and how many lines it holds.</summary>
public sealed record WrittenFile(string Path, int Lines);

/// <summary>
/// Writes the agreement data of one seed into a folder: {task}_{train,test}.jsonl for the four tasks and, when asked
/// for, corpus.txt with training sentences. This is what `sfc gen-corpus` runs; data/agreement holds its output.
/// </summary>
public static class AgreementDatasetWriter
{
    public const string CorpusFileName = "corpus.txt";

    public static string TrainFileName(AgreementTask task) => $"{task.FileStem()}_train.jsonl";

    public static string TestFileName(AgreementTask task) => $"{task.FileStem()}_test.jsonl";

    /// <summary>Writes the eight task files, creating <paramref name="directory"/> if needed.</summary>
    public static IReadOnlyList<WrittenFile> WriteTaskSets(string directory, int seed)
    {
        Directory.CreateDirectory(directory);
        var written = new List<WrittenFile>();
        foreach (var task in AgreementTaskSets.All)
        {
            var set = AgreementTaskSets.Build(task, seed);
            written.Add(Write(Path.Combine(directory, TrainFileName(task)), set.Train));
            written.Add(Write(Path.Combine(directory, TestFileName(task)), set.Test));
        }
        return written;
    }

    /// <summary>Writes <paramref name="sentences"/> corpus sentences, one per line, to directory/corpus.txt.</summary>
    public static WrittenFile WriteCorpus(string directory, int seed, int sentences, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sentences);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, CorpusFileName);
        var generator = new AgreementCorpusGenerator(seed);
        Tensors.Formats.AtomicFile.WriteText(path, writer =>
        {
            for (var i = 0; i < sentences; i++)
            {
                writer.Write(generator.NextSentence());
                writer.Write('\n');
                if (progress is not null && (i + 1) % 10_000 == 0) progress.Report(i + 1);
            }
        });
        progress?.Report(sentences);
        return new WrittenFile(path, sentences);
    }

    private static WrittenFile Write(string path, IReadOnlyList<AgreementExample> examples)
    {
        AgreementJsonLines.Write(path, examples);
        return new WrittenFile(path, examples.Count);
    }
}
