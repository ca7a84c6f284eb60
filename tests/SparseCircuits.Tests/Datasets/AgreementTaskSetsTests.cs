using SparseCircuits.Datasets.Agreement;

namespace SparseCircuits.Tests.Datasets;

public class AgreementTaskSetsTests
{
    public static TheoryData<AgreementTask> Tasks => new(AgreementTaskSets.All);

    /// <summary>Prompt lengths in words, from the paper (algorithm.md §9).</summary>
    private static int ExpectedWords(AgreementTask task) => task switch
    {
        AgreementTask.Simple => 2,
        AgreementTask.NounPP => 5,
        AgreementTask.RelativeClause => 6,
        _ => 5,
    };

    private static readonly HashSet<(string, string)> AnswerPairs =
    [
        (" is", " are"), (" has", " have"), (" does", " do"), (" goes", " go"),
    ];

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Every_example_is_grammatical_and_minimally_paired(AgreementTask task)
    {
        var set = AgreementTaskSets.Build(task, seed: 1);
        foreach (var example in set.Train.Concat(set.Test))
        {
            var clean = example.CleanPrefix.Split(' ');
            var patch = example.PatchPrefix.Split(' ');
            Assert.Equal(ExpectedWords(task), clean.Length);
            Assert.Equal(clean.Length, patch.Length);
            Assert.Equal("The", clean[0]);

            // The answer agrees with the main noun, except in within_rc where it agrees with the embedded one.
            var agreeingPosition = task == AgreementTask.WithinRelativeClause ? 4 : 1;
            var differing = Enumerable.Range(0, clean.Length).Where(i => clean[i] != patch[i]).ToArray();
            Assert.Equal([agreeingPosition], differing);
            Assert.True(AgreementVocabulary.TryGetNounNumber(clean[agreeingPosition], out _));
            Assert.Equal(SameNoun(clean[agreeingPosition]), SameNoun(patch[agreeingPosition]));

            Assert.True(AnswerPairs.Contains((example.CleanAnswer, example.PatchAnswer))
                || AnswerPairs.Contains((example.PatchAnswer, example.CleanAnswer)), example.ToString());
            Assert.Equal(EnglishMorphology.NounNumber(clean[agreeingPosition]), EnglishMorphology.VerbNumber(example.CleanAnswer.Trim()));
            Assert.Equal(EnglishMorphology.NounNumber(patch[agreeingPosition]), EnglishMorphology.VerbNumber(example.PatchAnswer.Trim()));

            var expectedCase = clean.Length == 2
                ? Name(clean[1])
                : $"{Name(clean[1])}_{Name(clean[4])}";
            Assert.Equal(expectedCase, example.Case);

            switch (task)
            {
                case AgreementTask.NounPP:
                    Assert.Contains(clean[2], (string[])["near", "behind", "beside"]);
                    Assert.Equal("the", clean[3]);
                    break;
                case AgreementTask.RelativeClause:
                case AgreementTask.WithinRelativeClause:
                    Assert.Equal(["that", "the"], clean[2..4]);
                    break;
            }
            if (task == AgreementTask.RelativeClause)
                Assert.Equal(EnglishMorphology.NounNumber(clean[4]), EnglishMorphology.VerbNumber(clean[5]));
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Train_and_test_share_no_word_combination(AgreementTask task)
    {
        var set = AgreementTaskSets.Build(task, seed: 1);
        var trainKeys = set.Train.Select(e => CombinationKey(task, e)).ToHashSet();
        var testKeys = set.Test.Select(e => CombinationKey(task, e)).ToHashSet();
        Assert.Empty(trainKeys.Intersect(testKeys));

        // Combinations: simple 20 nouns x 4 answer pairs; nounpp 20 x 3 x 10; rc 20 x 10 x 6 verbs; within_rc 20 x 10.
        var combinations = task switch
        {
            AgreementTask.Simple => 80,
            AgreementTask.NounPP => 600,
            AgreementTask.RelativeClause => 1200,
            _ => 200,
        };
        var expectedTestCombinations = (int)Math.Round(combinations * 0.2);
        if (task is AgreementTask.Simple or AgreementTask.WithinRelativeClause)
        {
            // Pools small enough that the sample takes every combination.
            Assert.Equal(expectedTestCombinations, testKeys.Count);
            Assert.Equal(combinations - expectedTestCombinations, trainKeys.Count);
        }
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Sizes_balance_and_coverage(AgreementTask task)
    {
        var set = AgreementTaskSets.Build(task, seed: 1);
        var (train, test) = task switch
        {
            AgreementTask.Simple => (480, 120),
            AgreementTask.NounPP => (1920, 480),
            _ => (2000, 400),
        };
        Assert.Equal(train, set.Train.Count);
        Assert.Equal(test, set.Test.Count);

        foreach (var side in new[] { set.Train, set.Test })
        {
            var copies = side.GroupBy(e => e).Select(g => g.Count()).ToArray();
            if (task == AgreementTask.Simple)
                Assert.True(copies.Max() - copies.Min() <= 1, "simple repeats its small pool evenly");
            else
                Assert.Equal(1, copies.Max());
            Assert.Equal(8, side.Select(e => e.CleanAnswer).Distinct().Count());
            Assert.Equal(task == AgreementTask.Simple ? 2 : 4, side.Select(e => e.Case).Distinct().Count());
            var cleanShare = side.Count(e => e.Case.StartsWith("singular")) / (double)side.Count;
            Assert.InRange(cleanShare, 0.35, 0.65);
        }
        Assert.Equal(20, set.Train.Select(e => SameNoun(e.CleanPrefix.Split(' ')[1])).Distinct().Count());
    }

    [Fact]
    public void Same_seed_same_sets_other_seed_other_sets()
    {
        foreach (var task in AgreementTaskSets.All)
        {
            var first = AgreementTaskSets.Build(task, 1);
            var again = AgreementTaskSets.Build(task, 1);
            var other = AgreementTaskSets.Build(task, 2);
            Assert.Equal(first.Train, again.Train);
            Assert.Equal(first.Test, again.Test);
            Assert.NotEqual(first.Train, other.Train);
            Assert.NotEqual(first.Test, other.Test);
        }
    }

    private static string Name(string noun) =>
        EnglishMorphology.NounNumber(noun) == GrammaticalNumber.Singular ? "singular" : "plural";

    /// <summary>The singular spelling of a noun form, so that "man" and "men" compare equal.</summary>
    private static string SameNoun(string form) =>
        AgreementVocabulary.Nouns.Single(n => n.Singular == form || n.Plural == form).Singular;

    /// <summary>
    /// What the split keeps together: the prompt's words with nouns reduced to their singular and the rc verb to its
    /// stem, plus the answer pair for simple (whose prompts are only the noun).
    /// </summary>
    private static string CombinationKey(AgreementTask task, AgreementExample example)
    {
        var words = example.CleanPrefix.Split(' ').Select((w, i) =>
            AgreementVocabulary.TryGetNounNumber(w, out _) ? SameNoun(w)
            : task == AgreementTask.RelativeClause && i == 5 ? w.TrimEnd('s')
            : w);
        var key = string.Join(' ', words);
        if (task == AgreementTask.Simple)
            key += "|" + string.Join('/', new[] { example.CleanAnswer, example.PatchAnswer }.Order());
        return key;
    }
}
