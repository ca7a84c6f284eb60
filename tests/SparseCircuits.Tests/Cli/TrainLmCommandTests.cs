using System.Text.Json;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.Dictionaries;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Cli;

/// <summary><c>sfc train-lm</c> and <c>sfc agreement</c> end to end on a tiny configuration.</summary>
public class TrainLmCommandTests
{
    private static (int Code, string Out, string Err) Sfc(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = global::Sfc.SfcApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void TrainsAndWritesAFolderThatLoadsAndRuns()
    {
        using var folder = new TempFolder();
        var data = Paths.RepoRoot + "/data/agreement/simple_test.jsonl";
        var (code, output, error) = Sfc("train-lm", "--generate", "1200", "--out", folder.Path, "--layers", "1", "--d-model", "16",
            "--heads", "2", "--context", "10", "--steps", "25", "--batch-size", "8", "--warmup", "3", "--lr", "1e-2", "--held-out", "100",
            "--eval", data, "--json");
        Assert.True(code == 0, error);
        using var summary = JsonDocument.Parse(output);
        var root = summary.RootElement;
        int vocab = root.GetProperty("vocab_size").GetInt32();
        Assert.True(root.GetProperty("final_loss").GetDouble() < Math.Log(vocab) - 1, output); // below the uniform prediction
        Assert.Equal(120, root.GetProperty("accuracy")[0].GetProperty("examples").GetInt32());

        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "training.json" })
            Assert.True(File.Exists(Path.Combine(folder.Path, file)), file);
        var model = ModelLoader.Load(folder.Path);
        var tokenizer = TokenizerLoader.Load(folder.Path);
        Assert.Equal(Architecture.Gpt2, model.Config.Architecture);
        Assert.Equal((16, 1, 10, vocab), (model.Config.DModel, model.Config.Layers, model.Config.MaxPositions, model.Config.VocabSize));
        Assert.Equal(vocab, tokenizer.VocabSize);
        Assert.Null(tokenizer.BosId); // prompts start with their first word, as training rows do
        Assert.Equal(["The", "keys", "near", "the", "cabinet", "are"],
            tokenizer.Encode("The keys near the cabinet are").Select(tokenizer.TokenText));

        // The accuracy in the summary is the one measured again on the reloaded model.
        var (again, _) = AnswerAccuracy.MeasureFile(model, tokenizer, data);
        Assert.Equal(root.GetProperty("accuracy")[0].GetProperty("correct").GetInt32(), again.Correct);

        var (runCode, runOut, runErr) = Sfc("run", "--model", folder.Path, "--prompt", "The keys near the cabinet", "--top", "3");
        Assert.True(runCode == 0, runErr);
        Assert.Contains("rank", runOut);
    }

    [Fact]
    public void AgreementCommandPrintsOneResultPerFile()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, Sfc("train-lm", "--generate", "300", "--out", folder.Path, "--layers", "1", "--d-model", "8", "--heads", "2",
            "--context", "8", "--steps", "2", "--batch-size", "2", "--held-out", "0", "--json").Code);
        var files = new[] { "simple_test.jsonl", "nounpp_test.jsonl" }.Select(f => Path.Combine(Paths.RepoRoot, "data", "agreement", f)).ToArray();
        var (code, output, error) = Sfc(["agreement", "--model", folder.Path, "--data", .. files, "--json"]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var results = doc.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal(new[] { 120, 480 }, results.EnumerateArray().Select(r => r.GetProperty("examples").GetInt32()));
        foreach (var r in results.EnumerateArray())
            Assert.Equal(r.GetProperty("correct").GetInt32() / (double)r.GetProperty("examples").GetInt32(), r.GetProperty("accuracy").GetDouble(), 12);
    }

    [Theory]
    [InlineData("train-lm", "--out", "/tmp/sfc-unused")]                                     // no corpus
    [InlineData("train-lm", "--corpus", "/nonexistent/corpus.txt", "--out", "/tmp/sfc-unused")]
    [InlineData("train-lm", "--generate", "10", "--heads", "3", "--out", "/tmp/sfc-unused")]  // 3 does not divide 128
    [InlineData("train-lm", "--generate", "10", "--steps", "0", "--out", "/tmp/sfc-unused")]
    [InlineData("agreement", "--model", "/nonexistent/model", "--data", "/nonexistent/data.jsonl")]
    public void BadInputIsOneLineAndExitCodeTwo(params string[] args)
    {
        var (code, output, error) = Sfc(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
