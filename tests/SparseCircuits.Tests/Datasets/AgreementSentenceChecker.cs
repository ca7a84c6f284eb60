namespace SparseCircuits.Tests.Datasets;

using SparseCircuits.Datasets.Agreement;
using static SparseCircuits.Datasets.Agreement.AgreementVocabulary;

/// <summary>
/// An independent parser for the sentence shapes the corpus uses. It finds each subject and its finite verb by
/// position and judges both numbers with <see cref="EnglishMorphology"/>; word classes (is this a preposition?) come
/// from the vocabulary's lists, but no number does. Every checked pair is counted so a test can see that the checker
/// was not vacuous.
/// </summary>
internal sealed class AgreementSentenceChecker
{
    private static readonly HashSet<string> NounWords = Nouns.SelectMany(n => new[] { n.Singular, n.Plural }).ToHashSet();
    private static readonly HashSet<string> PrepositionWords = Prepositions.Select(p => p.Word).ToHashSet();
    private static readonly HashSet<string> AdjectiveWords = AnimateAdjectives.Concat(ThingAdjectives).ToHashSet();
    private static readonly HashSet<string> SingularDeterminerWords = ["a", "an", "this", "every"];
    private static readonly HashSet<string> PluralDeterminerWords = ["these", "those", "two", "three", "four", "some", "many"];

    /// <summary>Present-tense forms and was/were: the words that must agree.</summary>
    private static readonly HashSet<string> FiniteAgreeingWords = TransitiveVerbs.Concat(IntransitiveVerbs)
        .Concat(ComplementVerbs)
        .SelectMany(v => new[] { v.Base, v.ThirdSingular })
        .Concat(AnswerVerbs.Append(BePast).SelectMany(v => new[] { v.Singular, v.Plural }))
        .ToHashSet();

    /// <summary>Subject–verb and determiner–noun pairs checked so far.</summary>
    public int Checked { get; private set; }

    /// <summary>Sentences in which at least one subject–verb pair was checked.</summary>
    public int SentencesWithVerbChecked { get; private set; }

    private bool _verbChecked;

    public void Check(IReadOnlyList<string> sentence)
    {
        _verbChecked = false;
        CheckSentence(sentence);
        if (_verbChecked) SentencesWithVerbChecked++;
    }

    private void CheckSentence(IReadOnlyList<string> sentence)
    {
        var context = string.Join(' ', sentence);
        if (Names.Contains(sentence[0]))
        {
            // "Anna goes ...", "Anna and Tom are ...".
            if (sentence[1] == "and") CheckPredicate(sentence.ToList(), 3, GrammaticalNumber.Plural, context);
            else CheckPredicate(sentence.ToList(), 1, GrammaticalNumber.Singular, context);
            return;
        }
        var t = sentence.Select((w, i) => i == 0 ? w.ToLowerInvariant() : w).ToList();
        if (t[0] is "today" or "yesterday" or "now") t.RemoveAt(0);
        CheckDeterminers(t, context);

        switch (t[0])
        {
            case "he" or "she" or "it":
                CheckPredicate(t, 1, GrammaticalNumber.Singular, context);
                return;
            case "they" or "we" or "you":
                CheckPredicate(t, 1, GrammaticalNumber.Plural, context);
                return;
            case "is" or "are" or "was" or "were" or "does" or "do" or "has" or "have":
                Expect(t[1] == "the", context);
                Agree(t[0], t[2], context);
                return;
            case "where":
                Agree(t[1], t[3], context);
                return;
            case "there":
                Agree(t[1], t[3], context);
                return;
        }
        if (t[0] == "the" || SingularDeterminerWords.Contains(t[0]) || PluralDeterminerWords.Contains(t[0]))
            CheckDeterminerInitial(t, context);
    }

    /// <summary>"the N ..." and "every N ...": the subject, then whatever stands between it and its verb.</summary>
    private void CheckDeterminerInitial(List<string> t, string context)
    {
        var (subject, i) = NounPhrase(t, 0, context);
        if (t[i] == "and")
        {
            // Coordinated subject: "the boy and the dogs are".
            (_, i) = NounPhrase(t, i + 1, context);
            CheckPredicate(t, i, GrammaticalNumber.Plural, context);
            return;
        }
        if (t[i] == "that" && t[i + 1] == "the")
        {
            // Object relative: the clause verb agrees with the embedded noun, the main verb with the head.
            var (embedded, j) = NounPhrase(t, i + 1, context);
            j = SkipPrepositionalPhrases(t, j, context);
            var clauseVerb = t[j];
            ExpectFiniteVerb(t, j, EnglishMorphology.NounNumber(embedded), context);
            j += clauseVerb switch { "is" or "are" or "has" or "have" => 2, "does" or "do" or "goes" or "go" => 3, _ => 1 };
            CheckPredicate(t, j, EnglishMorphology.NounNumber(subject), context);
            return;
        }
        if (t[i] == "that")
        {
            // Subject relative: "the boy that likes the dogs ...".
            CheckPredicate(t, i + 1, EnglishMorphology.NounNumber(subject), context);
            return;
        }
        i = SkipPrepositionalPhrases(t, i, context);
        CheckPredicate(t, i, EnglishMorphology.NounNumber(subject), context);
        CheckLaterClauses(t, i + 1, context);
    }

    /// <summary>
    /// A predicate's first word (after a frequency adverb) agrees when it is finite; past tenses ("liked") and modals
    /// ("can") carry no number.
    /// </summary>
    private void CheckPredicate(List<string> t, int i, GrammaticalNumber number, string context)
    {
        i = SkipAdverb(t, i);
        if (FiniteAgreeingWords.Contains(t[i])) ExpectFiniteVerb(t, i, number, context);
    }

    /// <summary>"... says that the kids are", "... and the cat is": later clauses with their own subjects.</summary>
    private void CheckLaterClauses(List<string> t, int from, string context)
    {
        for (var i = from; i + 2 < t.Count; i++)
        {
            if (t[i] is not ("that" or "and" or "but")) continue;
            if (t[i + 1] is "he" or "she" or "it") CheckPredicate(t, i + 2, GrammaticalNumber.Singular, context);
            if (t[i + 1] is "they" or "we" or "you") CheckPredicate(t, i + 2, GrammaticalNumber.Plural, context);
            if (t[i + 1] != "the") continue;
            var (subject, j) = NounPhrase(t, i + 1, context);
            j = SkipPrepositionalPhrases(t, j, context);
            var verb = SkipAdverb(t, j);
            // A "the N" after "and" that no verb follows was an object ("likes the dogs and the cat .").
            if (FiniteAgreeingWords.Contains(t[verb])) Agree(t[verb], subject, context);
        }
    }

    private void CheckDeterminers(List<string> t, string context)
    {
        for (var i = 0; i + 1 < t.Count; i++)
        {
            var noun = AdjectiveWords.Contains(t[i + 1]) ? t[i + 2] : t[i + 1];
            if (SingularDeterminerWords.Contains(t[i]))
            {
                Expect(NounWords.Contains(noun) && EnglishMorphology.NounNumber(noun) == GrammaticalNumber.Singular, context);
                if (t[i] is "a" or "an") Expect(t[i] == ("aeiou".Contains(t[i + 1][0]) ? "an" : "a"), context);
                Checked++;
            }
            else if (PluralDeterminerWords.Contains(t[i]))
            {
                Expect(NounWords.Contains(noun) && EnglishMorphology.NounNumber(noun) == GrammaticalNumber.Plural, context);
                Checked++;
            }
        }
    }

    private static (string Noun, int Next) NounPhrase(List<string> t, int i, string context)
    {
        i++; // the determiner
        if (AdjectiveWords.Contains(t[i])) i++;
        Expect(NounWords.Contains(t[i]), context);
        return (t[i], i + 1);
    }

    private static int SkipPrepositionalPhrases(List<string> t, int i, string context)
    {
        while (PrepositionWords.Contains(t[i]) && t[i + 1] == "the") (_, i) = NounPhrase(t, i + 1, context);
        return i;
    }

    private static int SkipAdverb(List<string> t, int i) => FrequencyAdverbs.Contains(t[i]) ? i + 1 : i;

    private void ExpectFiniteVerb(List<string> t, int i, GrammaticalNumber number, string context)
    {
        Expect(FiniteAgreeingWords.Contains(t[i]), context);
        Expect(EnglishMorphology.VerbNumber(t[i]) == number, context);
        Checked++;
        _verbChecked = true;
    }

    private void Agree(string verb, string noun, string context)
    {
        Expect(NounWords.Contains(noun), context);
        Expect(EnglishMorphology.VerbNumber(verb) == EnglishMorphology.NounNumber(noun), context);
        Checked++;
        _verbChecked = true;
    }

    private static void Expect(bool condition, string sentence) => Assert.True(condition, $"Agreement error in: {sentence}");
}
