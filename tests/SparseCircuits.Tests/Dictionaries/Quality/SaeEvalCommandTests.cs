using System.Text.Json;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Quality;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Tests.Dictionaries.Training;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Quality;

/// <summary><c>sfc sae-eval</c> in-process on the fixture Llama's SAELens dictionaries over a token-id corpus: the JSON
/// has the documented shape and the library's numbers; bad input is exit code 2.</summary>
public class SaeEvalCommandTests
{
    [SharedFact]
    public void JsonHasTheDocumentedFieldsAndTheLibrarysValues()
    {
        using var temp = new TempFolder();
        var corpus = TrainSaeCommandTests.IdsCorpus(temp, sequences: 6, length: 16, seed: 4);
        var dictionaries = Path.Combine(Fixtures.ModelDir("tiny_llama"), "saelens");
        var (code, output, error) = TrainSaeCommandTests.Run("sae-eval", "--model", Fixtures.ModelDir("tiny_llama"),
            "--dictionaries", dictionaries, "--corpus", corpus, "--context", "12", "--json");
        Assert.True(code == 0, error);

        using var doc = JsonDocument.Parse(output);
        Assert.Equal(["sites"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        var sites = doc.RootElement.GetProperty("sites").EnumerateArray().ToArray();
        Assert.Equal(["embed", "attn_0", "mlp_0", "resid_0", "attn_1", "mlp_1", "resid_1"], sites.Select(s => s.GetProperty("site").GetString()));

        var model = Fixtures.Model("tiny_llama");
        var expected = SaeEvaluator.Evaluate(model, DictionarySet.Load(dictionaries, model.Config),
            TokenCorpus.Load([corpus], null, 97).Contexts(12));
        foreach (var (json, q) in sites.Zip(expected))
        {
            Assert.Equal(["site", "l0", "explained_variance", "mse", "ce_loss_recovered", "dead_fraction", "dense_fraction"],
                json.EnumerateObject().Select(p => p.Name));
            Assert.Equal(q.L0, json.GetProperty("l0").GetDouble());
            Assert.Equal(q.ExplainedVariance, json.GetProperty("explained_variance").GetDouble());
            Assert.Equal(q.Mse, json.GetProperty("mse").GetDouble());
            Assert.Equal(q.CeLossRecovered, json.GetProperty("ce_loss_recovered").GetDouble());
            Assert.Equal(q.DeadFraction, json.GetProperty("dead_fraction").GetDouble());
            Assert.Equal(q.DenseFraction, json.GetProperty("dense_fraction").GetDouble());
        }
    }

    [SharedFact]
    public void TableNamesEverySite()
    {
        using var temp = new TempFolder();
        var (code, output, error) = TrainSaeCommandTests.Run("sae-eval", "--model", Fixtures.ModelDir("tiny_llama"),
            "--dictionaries", Path.Combine(Fixtures.ModelDir("tiny_llama"), "saelens_jumprelu"),
            "--corpus", TrainSaeCommandTests.IdsCorpus(temp, 4, 16), "--context", "16");
        Assert.True(code == 0, error);
        foreach (var site in new[] { "embed", "attn_1", "resid_1", "CE recovered" }) Assert.Contains(site, output);
    }

    [SharedTheory]
    [InlineData("MISSING", "tiny_llama/saelens", "no such corpus file")]
    [InlineData("CORPUS", "tiny_gpt2/saelens", "does not match the model's d_model = 32")]
    [InlineData("CORPUS", "tiny_llama/nothing", "dictionaries folder not found")]
    public void BadInputIsExitCodeTwo(string corpus, string dictionaries, string message)
    {
        using var temp = new TempFolder();
        var corpusPath = corpus == "CORPUS" ? TrainSaeCommandTests.IdsCorpus(temp, 4, 16) : temp.Sub("missing.jsonl");
        var (code, _, error) = TrainSaeCommandTests.Run("sae-eval", "--model", Fixtures.ModelDir("tiny_llama"),
            "--dictionaries", Paths.SharedPath("fixtures", dictionaries), "--corpus", corpusPath, "--json");
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }
}
