using SparseCircuits.Datasets.Agreement;

namespace SparseCircuits.Tests.Datasets;

public class AgreementCorpusGeneratorTests
{
    private const int SampleSize = 30_000;

    private static readonly Lazy<string[]> Sample = new(() => new AgreementCorpusGenerator(1).Sentences(SampleSize).ToArray());

    [Fact]
    public void Same_seed_gives_the_same_text_and_other_seeds_differ()
    {
        var first = new AgreementCorpusGenerator(7).Sentences(500).ToArray();
        var again = new AgreementCorpusGenerator(7).Sentences(500).ToArray();
        var other = new AgreementCorpusGenerator(8).Sentences(500).ToArray();
        Assert.Equal(first, again);
        Assert.True(first.Zip(other).Count(p => p.First != p.Second) > 450);
        Assert.Equal(Sample.Value.Take(500), new AgreementCorpusGenerator(1).Sentences(500));
    }

    [Fact]
    public void Sentences_are_single_spaced_capitalised_and_punctuated_from_the_vocabulary()
    {
        var vocabulary = AgreementVocabulary.AllTokens.ToHashSet();
        foreach (var sentence in Sample.Value)
        {
            var words = sentence.Split(' ');
            Assert.All(words, w => Assert.True(vocabulary.Contains(w), $"'{w}' not in the vocabulary: {sentence}"));
            Assert.True(char.IsUpper(words[0][0]), sentence);
            Assert.True(words[^1] is "." or "?", sentence);
            Assert.DoesNotContain(words[..^1], w => w is "." or "?");
            Assert.DoesNotContain(words[1..], w => w is "The" or "Is" or "There");
        }
    }

    [Fact]
    public void Every_vocabulary_token_is_used()
    {
        var used = Sample.Value.SelectMany(s => s.Split(' ')).ToHashSet();
        Assert.Equal([], AgreementVocabulary.AllTokens.Where(t => !used.Contains(t)));
    }

    [Fact]
    public void Every_checked_subject_agrees_with_its_verb()
    {
        var checker = new AgreementSentenceChecker();
        foreach (var sentence in Sample.Value) checker.Check(sentence.Split(' '));
        // Past-tense and modal sentences have no agreeing verb; nearly all others must have been checked.
        Assert.True(checker.SentencesWithVerbChecked > 0.9 * SampleSize,
            $"a subject-verb pair was checked in only {checker.SentencesWithVerbChecked} of {SampleSize} sentences");
    }

    [Fact]
    public void The_checker_catches_agreement_errors()
    {
        // Guard against a checker that passes everything: each sentence has one agreement error.
        string[] wrong =
        [
            "The boys is happy .",
            "The keys near the cabinet is old .",
            "The managers that the parent likes is tired .",
            "The athletes that the lawyer are watching go home .",
            "The doctor says that the kids is here .",
            "They has a dog .",
            "There are a dog in the park .",
            "Two dog are here .",
            "Are the girl tired ?",
            "The boy and the girl is here .",
            "Anna and Tom is here .",
            "Tom have a dog .",
            "The man that the boys near the car likes is tall .",
        ];
        foreach (var sentence in wrong)
            Assert.ThrowsAny<Exception>(() => new AgreementSentenceChecker().Check(sentence.Split(' ')));
    }

    [Fact]
    public void The_four_task_prompts_are_frequent_and_continue_with_answer_verbs()
    {
        var answers = AgreementVocabulary.AnswerVerbs.SelectMany(v => new[] { v.Singular, v.Plural }).ToHashSet();
        var nouns = AgreementVocabulary.SubjectNouns.SelectMany(n => new[] { n.Singular, n.Plural }).ToHashSet();
        var embedded = AgreementVocabulary.EmbeddedNouns.SelectMany(n => new[] { n.Singular, n.Plural }).ToHashSet();
        var rcVerbs = AgreementVocabulary.RelativeClauseTaskVerbs.SelectMany(v => new[] { v.Base, v.ThirdSingular }).ToHashSet();
        var prepositions = AgreementVocabulary.NounPPTaskPrepositions.Select(p => p.Word).ToHashSet();
        int simple = 0, nounpp = 0, rc = 0, withinRc = 0;
        foreach (var w in Sample.Value.Select(s => s.Split(' ')))
        {
            if (w[0] != "The" || !nouns.Contains(w[1])) continue;
            if (answers.Contains(w[2])) simple++;
            if (prepositions.Contains(w[2]) && w[3] == "the" && answers.Contains(w[5])) nounpp++;
            if (w[2] == "that" && w[3] == "the" && embedded.Contains(w[4]))
            {
                if (answers.Contains(w[5])) withinRc++;
                if (rcVerbs.Contains(w[5]) && answers.Contains(w[6])) rc++;
            }
        }
        // Each shape needs thousands of examples per 30k sentences for a small model to learn it.
        Assert.All(new[] { simple, nounpp, rc, withinRc }, n => Assert.True(n > 600, $"simple {simple}, nounpp {nounpp}, rc {rc}, within_rc {withinRc}"));
    }
}
