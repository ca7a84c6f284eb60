using System.CommandLine;
using System.Text.Json;
using SparseCircuits;
using SparseCircuits.Datasets.Agreement;
using Spectre.Console;

namespace Sfc.Commands;

/// <summary>
/// `sfc gen-corpus --out DIR [--seed S] [--sentences N] [--json]`: writes the four agreement tasks' train/test sets
/// (JSON lines) and, when N &gt; 0, N training sentences to DIR/corpus.txt.
/// </summary>
public static class GenerateCorpusCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out")
        {
            Description = "Folder to write {task}_{train,test}.jsonl (and corpus.txt) into",
            Required = true,
        };
        var seedOption = new Option<int>("--seed")
        {
            Description = "Seed of the generator; the committed data/agreement files use 1",
            DefaultValueFactory = _ => 1,
        };
        var sentencesOption = new Option<int>("--sentences")
        {
            Description = "Training sentences to write to corpus.txt (0: task sets only)",
            DefaultValueFactory = _ => 0,
        };
        var jsonOption = new Option<bool>("--json") { Description = "Print a machine-readable summary" };

        var command = new Command("gen-corpus", "Generate the subject-verb agreement task sets and training corpus")
        {
            outOption, seedOption, sentencesOption, jsonOption,
        };
        command.SetAction(parseResult =>
        {
            try
            {
                return Run(
                    parseResult.GetValue(outOption)!,
                    parseResult.GetValue(seedOption),
                    parseResult.GetValue(sentencesOption),
                    parseResult.GetValue(jsonOption));
            }
            catch (SfcInputException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static int Run(string directory, int seed, int sentences, bool json)
    {
        if (sentences < 0) throw new SfcInputException($"--sentences: must be 0 or more, got {sentences}");
        if (File.Exists(directory)) throw SfcInputException.ForFile(directory, "--out names a file, not a folder");
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SfcInputException.ForFile(directory, $"cannot create the --out folder: {e.Message}");
        }

        var files = AgreementDatasetWriter.WriteTaskSets(directory, seed).ToList();
        if (sentences > 0)
        {
            if (json) files.Add(AgreementDatasetWriter.WriteCorpus(directory, seed, sentences));
            else
            {
                AnsiConsole.Progress().Start(context =>
                {
                    var bar = context.AddTask("corpus.txt", maxValue: sentences);
                    files.Add(AgreementDatasetWriter.WriteCorpus(directory, seed, sentences,
                        new InlineProgress(done => bar.Value = done)));
                    bar.Value = sentences;
                });
            }
        }

        if (json)
        {
            var summary = new
            {
                seed,
                files = files.Select(f => new { path = f.Path, lines = f.Lines }),
            };
            Console.WriteLine(JsonSerializer.Serialize(summary));
        }
        else
        {
            var table = new Table().AddColumn("file").AddColumn(new TableColumn("lines").RightAligned());
            foreach (var file in files) table.AddRow(Markup.Escape(Path.GetFileName(file.Path)), file.Lines.ToString());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Wrote {files.Count} files to [bold]{Markup.Escape(Path.GetFullPath(directory))}[/] (seed {seed}).");
        }
        return 0;
    }

    /// <summary>Reports on the writing thread (System.Progress would post to the thread pool and lag behind).</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
