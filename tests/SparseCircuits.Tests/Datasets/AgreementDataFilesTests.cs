using System.Text.Json;
using Sfc.Commands;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Datasets;

public sealed class AgreementDataFilesTests : IDisposable
{
    /// <summary>The seed data/agreement/README.md records.</summary>
    private const int CommittedSeed = 1;

    private readonly string _temporary = Directory.CreateTempSubdirectory("sfc-agreement-").FullName;

    public void Dispose() => Directory.Delete(_temporary, recursive: true);

    private static string CommittedFolder => Path.Combine(Paths.RepoRoot, "data", "agreement");

    [Fact]
    public void Committed_task_files_are_what_the_generator_writes_for_the_recorded_seed()
    {
        var written = AgreementDatasetWriter.WriteTaskSets(_temporary, CommittedSeed);
        Assert.Equal(8, written.Count);
        foreach (var file in written)
        {
            var committed = Path.Combine(CommittedFolder, Path.GetFileName(file.Path));
            Assert.True(File.Exists(committed), $"{committed} is missing; run sfc gen-corpus --out data/agreement");
            Assert.True(File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(file.Path)),
                $"{committed} differs from the generator's output for seed {CommittedSeed}");
        }
    }

    [Fact]
    public void Committed_files_are_json_lines_with_the_reference_fields()
    {
        string[] fields = ["clean_prefix", "patch_prefix", "clean_answer", "patch_answer", "case"];
        var files = Directory.GetFiles(CommittedFolder, "*.jsonl");
        Assert.Equal(8, files.Length);
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                using var json = JsonDocument.Parse(line);
                Assert.Equal(fields, json.RootElement.EnumerateObject().Select(p => p.Name));
                Assert.All(fields, f => Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty(f).ValueKind));
                Assert.StartsWith(" ", json.RootElement.GetProperty("clean_answer").GetString());
            }
        }
    }

    [SharedFact]
    public void Lines_are_formatted_exactly_like_the_paper_files()
    {
        foreach (var line in File.ReadLines(Paths.SharedPath("data", "sva", "nounpp_test.json")).Take(50))
        {
            var json = JsonDocument.Parse(line).RootElement;
            string Field(string name) => json.GetProperty(name).GetString()!;
            var example = new AgreementExample(Field("clean_prefix"), Field("patch_prefix"), Field("clean_answer"),
                Field("patch_answer"), Field("case"));
            Assert.Equal(line, AgreementJsonLines.Format(example));
        }
    }

    [Fact]
    public void Format_escapes_json_special_characters()
    {
        var line = AgreementJsonLines.Format(new AgreementExample("say \"hi\"", "a\\b", " is", " are", "singular"));
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("say \"hi\"", json.GetProperty("clean_prefix").GetString());
        Assert.Equal("a\\b", json.GetProperty("patch_prefix").GetString());
    }

    [Fact]
    public void Command_writes_task_sets_and_corpus()
    {
        var exit = GenerateCorpusCommand.Create()
            .Parse(["--out", _temporary, "--seed", "3", "--sentences", "250", "--json"]).Invoke();
        Assert.Equal(0, exit);
        foreach (var task in AgreementTaskSets.All)
        {
            var expected = AgreementTaskSets.Build(task, 3).Test.Select(AgreementJsonLines.Format);
            Assert.Equal(expected, File.ReadAllLines(Path.Combine(_temporary, AgreementDatasetWriter.TestFileName(task))));
        }
        var corpus = File.ReadAllLines(Path.Combine(_temporary, AgreementDatasetWriter.CorpusFileName));
        Assert.Equal(new AgreementCorpusGenerator(3).Sentences(250), corpus);
        Assert.Empty(Directory.GetFiles(_temporary, "*.tmp-*"));
    }

    [Fact]
    public void Command_rejects_bad_input_with_exit_code_2()
    {
        var file = Path.Combine(_temporary, "not-a-folder");
        File.WriteAllText(file, "x");
        Assert.Equal(2, GenerateCorpusCommand.Create().Parse(["--out", file, "--json"]).Invoke());
        Assert.Equal(2, GenerateCorpusCommand.Create().Parse(["--out", _temporary, "--sentences", "-5", "--json"]).Invoke());
        Assert.Empty(Directory.GetFiles(_temporary, "*.jsonl"));
    }
}
