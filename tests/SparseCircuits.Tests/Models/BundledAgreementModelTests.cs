using System.Text.Json;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Quality;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>
/// Regression tests of the committed artefacts (scripts/rebuild-models.sh makes them): the bundled GPT-2 in
/// models/agreement-gpt2 agrees subject and verb on every test set, and its SAEs in models/agreement-saes meet the
/// quality bars on text the generator writes with a seed neither the model nor the SAEs were trained on.
/// </summary>
public class BundledAgreementModelTests
{
    private static readonly BundledAgreementModel Repository = BundledAgreementModel.Find(Path.Combine(Paths.RepoRoot, "src", "Sfc"));
    private static string ModelDir => Repository.ModelFolder;
    private static string DictionariesDir => Repository.DictionariesFolder;

    private static readonly Lazy<(Transformer Model, ITokenizer Tokenizer)> Bundled =
        new(() => (ModelLoader.Load(ModelDir), TokenizerLoader.Load(ModelDir)));

    [Fact]
    public void FindLocatesTheRepositoryFromAFolderInsideIt()
    {
        Assert.Equal(Path.GetFullPath(Paths.RepoRoot), Repository.Root);
        Assert.Equal(Path.Combine(Paths.RepoRoot, "data", "agreement", "rc_test.jsonl"), Repository.TestSet(AgreementTask.RelativeClause));
        Assert.Throws<SfcInputException>(() => BundledAgreementModel.Find(Path.GetTempPath()));
    }

    [Theory]
    [InlineData(AgreementTask.Simple)]
    [InlineData(AgreementTask.NounPP)]
    [InlineData(AgreementTask.RelativeClause)]
    [InlineData(AgreementTask.WithinRelativeClause)]
    public void AgreesOnTheRepositoryTestSets(AgreementTask task)
    {
        var (model, tokenizer) = Bundled.Value;
        var path = Repository.TestSet(task);
        var (result, report) = AnswerAccuracy.MeasureFile(model, tokenizer, path);
        Assert.Equal(report.Lines, result.Examples); // nothing dropped: every word is in the vocabulary
        Assert.True(result.Accuracy >= 0.95, $"{task}: accuracy {result.Accuracy:P1}");
        Assert.True(result.PatchAccuracy >= 0.95, $"{task}: patch-prompt accuracy {result.PatchAccuracy:P1}");
    }

    [SharedTheory]
    [InlineData("simple")]
    [InlineData("nounpp")]
    [InlineData("within_rc")]
    public void AgreesOnThePapersTestSets(string task)
    {
        var (model, tokenizer) = Bundled.Value;
        var (result, report) = AnswerAccuracy.MeasureFile(model, tokenizer, Paths.SharedPath("data", "sva", $"{task}_test.json"));
        Assert.Equal(report.Lines, result.Examples);
        Assert.True(result.Accuracy >= 0.95, $"{task}: accuracy {result.Accuracy:P1}");
    }

    /// <summary>Every word of the paper's files is a token of its own (none would read as the unknown token).</summary>
    [SharedFact]
    public void TheVocabularyCoversEveryWordOfThePapersFiles()
    {
        var (_, tokenizer) = Bundled.Value;
        foreach (var file in Directory.GetFiles(Paths.SharedPath("data", "sva"), "*_*.json"))
        foreach (var line in File.ReadLines(file))
        {
            using var doc = JsonDocument.Parse(line);
            foreach (var field in new[] { "clean_prefix", "patch_prefix", "clean_answer", "patch_answer" })
            foreach (var word in doc.RootElement.GetProperty(field).GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                Assert.True(tokenizer.TryTokenId(word, out _), $"{Path.GetFileName(file)}: '{word}' is not a token");
        }
    }

    [Fact]
    public void DictionariesMeetTheQualityBarsOnUnseenText()
    {
        var (model, tokenizer) = Bundled.Value;
        var set = DictionarySet.Load(DictionariesDir, model.Config);
        var expectedSites = new List<string> { "embed" };
        for (int l = 0; l < model.Config.Layers; l++) expectedSites.AddRange([$"attn_{l}", $"mlp_{l}", $"resid_{l}"]);
        Assert.Equal(expectedSites.Order(), set.Sites.Select(s => s.Name).Order());

        // 48 contexts of the model's full length, from generator text of a seed used for neither model nor SAEs.
        int length = model.Config.MaxPositions;
        var stream = tokenizer.Encode(string.Join(' ', new AgreementCorpusGenerator(seed: 3).Sentences(600)));
        var contexts = Enumerable.Range(0, 48).Select(i => stream[(i * length)..((i + 1) * length)]).ToArray();
        var quality = SaeEvaluator.Evaluate(model, set, contexts, new SaeEvalOptions { ContextLength = length });
        foreach (var q in quality)
        {
            Assert.True(q.ExplainedVariance >= 0.9, $"{q.Site}: explained variance {q.ExplainedVariance:F3}");
            Assert.True(q.CeLossRecovered >= 0.9, $"{q.Site}: CE-loss recovered {q.CeLossRecovered:F3}");
            Assert.True(q.L0 <= 0.02 * q.Width, $"{q.Site}: L0 {q.L0:F1} of {q.Width}");
        }
    }
}
