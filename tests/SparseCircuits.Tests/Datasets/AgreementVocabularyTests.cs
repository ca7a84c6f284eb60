using System.Text.Json;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Datasets;

public class AgreementVocabularyTests
{
    private static readonly string[] SharedFiles =
    [
        "simple_train.json", "simple_test.json", "nounpp_train.json", "nounpp_test.json",
        "within_rc_train.json", "within_rc_test.json",
    ];

    /// <summary>Every line of the paper's files, parsed once.</summary>
    private static readonly Lazy<JsonElement[]> SharedLines = new(() => SharedFiles
        .SelectMany(f => File.ReadLines(Paths.SharedPath("data", "sva", f)))
        .Where(line => line.Length > 0)
        .Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        })
        .ToArray());

    private static IEnumerable<JsonElement> SharedExamples() => SharedLines.Value;

    [SharedFact]
    public void Every_word_of_the_paper_files_is_in_the_vocabulary()
    {
        var tokens = AgreementVocabulary.AllTokens.ToHashSet();
        var missing = SharedExamples()
            .SelectMany(e => new[] { "clean_prefix", "patch_prefix", "clean_answer", "patch_answer" }
                .SelectMany(field => e.GetProperty(field).GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Where(word => !tokens.Contains(word))
            .Distinct()
            .ToList();
        Assert.Empty(missing);
    }

    [SharedFact]
    public void Noun_numbers_match_the_case_labels_of_the_paper_files()
    {
        // The case field names the clean prompt's nouns' numbers in order ("plural_singular"); the nouns are words 2
        // and 5 of the prompt.
        var checkedNouns = 0;
        foreach (var example in SharedExamples())
        {
            var words = example.GetProperty("clean_prefix").GetString()!.Split(' ');
            var labels = example.GetProperty("case").GetString()!.Split('_');
            var nounPositions = words.Length == 2 ? new[] { 1 } : [1, 4];
            for (var i = 0; i < labels.Length; i++)
            {
                Assert.True(AgreementVocabulary.TryGetNounNumber(words[nounPositions[i]], out var number));
                Assert.Equal(labels[i], number.CaseName());
                checkedNouns++;
            }
        }
        Assert.True(checkedNouns > 10_000);
    }

    [SharedFact]
    public void Task_noun_lists_are_exactly_the_nouns_in_each_position_of_the_paper_files()
    {
        var fiveWordPrompts = SharedExamples().Select(e => e.GetProperty("clean_prefix").GetString()!.Split(' '))
            .Where(w => w.Length == 5).ToList();
        var embeddedOrAttractor = fiveWordPrompts.GroupBy(w => w[2]).ToDictionary(g => g.Key, g => g.Select(w => w[4]).ToHashSet());

        static HashSet<string> Forms(IEnumerable<Noun> nouns) => nouns.SelectMany(n => new[] { n.Singular, n.Plural }).ToHashSet();
        Assert.True(Forms(AgreementVocabulary.AttractorNouns).SetEquals(
            embeddedOrAttractor.Where(kv => kv.Key != "that").SelectMany(kv => kv.Value)));
        Assert.True(Forms(AgreementVocabulary.EmbeddedNouns).SetEquals(embeddedOrAttractor["that"]));
        Assert.True(Forms(AgreementVocabulary.SubjectNouns).SetEquals(fiveWordPrompts.Select(w => w[1])));
        Assert.Equal(
            AgreementVocabulary.NounPPTaskPrepositions.Select(p => p.Word).Order(),
            embeddedOrAttractor.Keys.Where(k => k != "that").Order());
    }

    [Fact]
    public void Noun_forms_follow_english_plural_rules_and_are_unambiguous()
    {
        var seen = new HashSet<string>();
        foreach (var noun in AgreementVocabulary.Nouns)
        {
            Assert.Equal(GrammaticalNumber.Singular, EnglishMorphology.NounNumber(noun.Singular));
            Assert.Equal(GrammaticalNumber.Plural, EnglishMorphology.NounNumber(noun.Plural));
            if (noun.Plural is not ("men" or "women" or "children" or "mice" or "shelves"))
                Assert.Equal(EnglishMorphology.RegularPlural(noun.Singular), noun.Plural);
            Assert.True(seen.Add(noun.Singular), noun.Singular);
            Assert.True(seen.Add(noun.Plural), noun.Plural);
            Assert.True(AgreementVocabulary.TryGetNounNumber(noun.Plural, out var n) && n == GrammaticalNumber.Plural);
        }
        Assert.False(AgreementVocabulary.TryGetNounNumber("is", out _));
    }

    [Fact]
    public void Agreeing_verb_forms_follow_the_third_person_s_rule()
    {
        var verbs = AgreementVocabulary.TransitiveVerbs
            .Concat(AgreementVocabulary.IntransitiveVerbs)
            .Concat(AgreementVocabulary.ComplementVerbs);
        foreach (var verb in verbs)
        {
            Assert.Equal(EnglishMorphology.RegularPlural(verb.Base), verb.ThirdSingular); // "carry" -> "carries"
            Assert.Equal(verb.ThirdSingular, verb.Present(GrammaticalNumber.Singular));
            Assert.Equal(GrammaticalNumber.Plural, EnglishMorphology.VerbNumber(verb.Present(GrammaticalNumber.Plural)));
        }
        foreach (var verb in AgreementVocabulary.AnswerVerbs.Append(AgreementVocabulary.BePast))
        {
            Assert.Equal(GrammaticalNumber.Singular, EnglishMorphology.VerbNumber(verb.Singular));
            Assert.Equal(GrammaticalNumber.Plural, EnglishMorphology.VerbNumber(verb.Plural));
        }
        Assert.Equal(["is/are", "has/have", "does/do", "goes/go"],
            AgreementVocabulary.AnswerVerbs.Select(v => $"{v.Singular}/{v.Plural}"));
    }

    [Fact]
    public void Token_list_is_sorted_unique_and_space_free()
    {
        var tokens = AgreementVocabulary.AllTokens;
        Assert.Equal(tokens.Distinct().Order(StringComparer.Ordinal), tokens);
        Assert.All(tokens, t => Assert.False(string.IsNullOrWhiteSpace(t) || t.Contains(' ')));
        Assert.Contains("The", tokens);
        Assert.Contains("the", tokens);
    }
}
