using System.Text.Json;
using Sfc;
using SparseCircuits.Dictionaries;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary><c>sfc train-sae</c> in-process: a run on the tiny fixture Llama over a token-id corpus writes a dictionary
/// the loader reads; bad input gives one line and exit code 2 without writing anything.</summary>
public class TrainSaeCommandTests
{
    internal static string IdsCorpus(TempFolder temp, int sequences = 24, int length = 20, int seed = 1)
    {
        var rng = new Random(seed);
        var path = temp.Sub($"ids_{seed}.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, sequences)
            .Select(_ => JsonSerializer.Serialize(new { ids = Enumerable.Range(0, length).Select(_ => rng.Next(97)).ToArray() })));
        return path;
    }

    internal static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SfcApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [SharedFact]
    public void TrainsAndWritesALoadableDictionary()
    {
        using var temp = new TempFolder();
        var corpus = IdsCorpus(temp);
        var outDir = temp.Sub("dicts", "resid_1");
        var (code, output, error) = Run("train-sae", "--model", Fixtures.ModelDir("tiny_llama"), "--site", "blocks.1.hook_resid_post",
            "--corpus", corpus, "--arch", "topk", "--width", "64", "--k", "4", "--tokens", "2560", "--batch-size", "128",
            "--context", "16", "--out", outDir, "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("resid_1", doc.RootElement.GetProperty("site").GetString());
        Assert.Equal(2560, doc.RootElement.GetProperty("tokens").GetInt64());
        Assert.Equal(4, doc.RootElement.GetProperty("l0").GetDouble(), 9);

        var dictionary = DictionaryLoader.Load(outDir);
        Assert.Equal(64, dictionary.Width);
        Assert.Equal(SparseCircuits.Models.Site.ResidPost(1), dictionary.Info.OutputSite);
        Assert.IsType<TopKSae>(dictionary);
    }

    [SharedFact]
    public void TableOutputWithProgressAlsoWorks()
    {
        using var temp = new TempFolder();
        var (code, output, error) = Run("train-sae", "--model", Fixtures.ModelDir("tiny_llama"), "--site", "mlp_in_0", "--out-site", "mlp_0",
            "--corpus", IdsCorpus(temp), "--arch", "relu", "--width", "48", "--l1", "0.5", "--tokens", "1024", "--batch-size", "128",
            "--context", "16", "--out", temp.Sub("tc"));
        Assert.True(code == 0, error);
        Assert.Contains("mlp_in_0 → mlp_0", output);
        var transcoder = DictionaryLoader.Load(temp.Sub("tc"));
        Assert.True(transcoder.Info.IsTranscoder);
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["--site", "resid_0", "--corpus", "MISSING", "--arch", "topk", "--width", "32", "--k", "4"], "no such corpus file" },
        { ["--site", "resid_x", "--corpus", "CORPUS", "--arch", "topk", "--width", "32", "--k", "4"], "unknown site 'resid_x'" },
        { ["--site", "resid_7", "--corpus", "CORPUS", "--arch", "topk", "--width", "32", "--k", "4"], "site 'resid_7' does not exist" },
        { ["--site", "resid_0", "--corpus", "CORPUS", "--arch", "topk", "--width", "32"], "--k" },
        { ["--site", "resid_0", "--corpus", "CORPUS", "--arch", "topk", "--width", "32", "--k", "40"], "--k: 40 is larger than --width 32" },
        { ["--site", "resid_0", "--corpus", "CORPUS", "--arch", "gated", "--width", "32"], "--arch: unknown architecture 'gated'" },
        { ["--site", "resid_0", "--corpus", "CORPUS", "--arch", "relu", "--width", "32", "--k", "3"], "--k: only topk" },
        { ["--site", "mlp_in_0", "--out-site", "mlp_0", "--corpus", "CORPUS", "--arch", "topk", "--width", "32", "--k", "3"], "--out-site" },
        { ["--site", "resid_1", "--out-site", "resid_0", "--corpus", "CORPUS", "--arch", "relu", "--width", "32"], "--out-site" },
        { ["--site", "resid_0", "--corpus", "CORPUS", "--arch", "relu", "--width", "32", "--context", "500"], "--context" },
    };

    [SharedTheory]
    [MemberData(nameof(BadInputs))]
    public void BadInputIsExitCodeTwoWithOneLine(string[] args, string message)
    {
        using var temp = new TempFolder();
        var corpus = IdsCorpus(temp);
        var outDir = temp.Sub("out");
        var full = new[] { "train-sae", "--model", Fixtures.ModelDir("tiny_llama"), "--out", outDir, "--tokens", "512", "--batch-size", "64", "--context", "8" }
            .Concat(args.Select(a => a == "CORPUS" ? corpus : a == "MISSING" ? temp.Sub("missing.txt") : a)).ToArray();
        var (code, _, error) = Run(full);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(outDir), "nothing is written on bad input");
    }
}
