namespace SparseCircuits.Datasets.Agreement;

using static AgreementVocabulary;

/// <summary>Picks nouns and writes noun phrases (objects, prepositional phrases) into a sentence.</summary>
internal sealed class NounPhrases(Xoshiro256StarStar rng)
{
    /// <summary>How often a template position draws from the paper's noun list rather than the whole vocabulary.</summary>
    private const double TaskNounShare = 0.6;

    public Xoshiro256StarStar Rng => rng;

    public GrammaticalNumber RandomNumber() => rng.Chance(0.5) ? GrammaticalNumber.Singular : GrammaticalNumber.Plural;

    public Noun PickNoun(Func<Noun, bool> accept)
    {
        while (true)
        {
            var noun = rng.Pick(Nouns);
            if (accept(noun)) return noun;
        }
    }

    /// <summary>The head of a template sentence: usually a task subject, otherwise any noun.</summary>
    public Noun MainSubject() => rng.Chance(TaskNounShare) ? rng.Pick(SubjectNouns) : rng.Pick(Nouns);

    /// <summary>The subject inside an object relative clause; it must be able to like, watch, meet.</summary>
    public Noun EmbeddedSubject() => rng.Chance(TaskNounShare) ? rng.Pick(EmbeddedNouns) : PickNoun(n => n.IsAnimate);

    /// <summary>"a"/"an" by the next word's first letter.</summary>
    public static string IndefiniteArticle(string nextWord) => "aeiou".Contains(nextWord[0]) ? "an" : "a";

    /// <summary>"the dogs", "a cat", "some keys", "Anna", "them": an object of a verb that accepts <paramref name="kinds"/>.</summary>
    public void AppendObject(List<string> words, ObjectKinds kinds)
    {
        var peopleAllowed = kinds is ObjectKinds.Animate or ObjectKinds.Any;
        var roll = rng.NextDouble();
        if (peopleAllowed && roll < 0.08)
        {
            words.Add(rng.Pick(Names));
            return;
        }
        if (roll < 0.14)
        {
            words.Add(peopleAllowed ? rng.Pick<string>(["him", "her", "them", "us"]) : rng.Pick<string>(["it", "them"]));
            return;
        }
        var noun = PickNoun(n => kinds.Accepts(n.Kind));
        AppendDeterminedNoun(words, noun, RandomNumber());
    }

    /// <summary>"the N", or sometimes "a N"/"every N" (singular) or "two Ns"/"those Ns" (plural).</summary>
    public void AppendDeterminedNoun(List<string> words, Noun noun, GrammaticalNumber number, string? adjective = null)
    {
        var form = noun.Form(number);
        var first = adjective ?? form;
        if (rng.Chance(0.65)) words.Add("the");
        else if (number == GrammaticalNumber.Singular) words.Add(rng.Chance(0.7) ? IndefiniteArticle(first) : rng.Pick<string>(["this", "every"]));
        else words.Add(rng.Pick(PluralDeterminers));
        if (adjective is not null) words.Add(adjective);
        words.Add(form);
    }

    /// <summary>
    /// "near the trucks": a preposition and its object, whose number is drawn independently of the subject so that
    /// half the attractors disagree with it. <paramref name="taskBias"/> favours the nounpp task's words.
    /// </summary>
    public void AppendPrepositionalPhrase(List<string> words, bool taskBias, bool withAdjective = false)
    {
        var preposition = taskBias && rng.Chance(TaskNounShare) ? rng.Pick(NounPPTaskPrepositions) : rng.Pick(Prepositions);
        var noun = taskBias && rng.Chance(TaskNounShare)
            ? PickFrom(AttractorNouns, n => preposition.Accepts(n.Kind))
            : PickNoun(n => preposition.Accepts(n.Kind));
        words.Add(preposition.Word);
        words.Add("the");
        if (withAdjective) words.Add(Adjective(noun.Kind));
        words.Add(noun.Form(RandomNumber()));
    }

    /// <summary>"in the park", "at the station": a place, for locations and destinations.</summary>
    public void AppendPlace(List<string> words, string preposition)
    {
        words.Add(preposition);
        words.Add("the");
        words.Add(rng.Pick(Places));
    }

    public string Adjective(NounKind kind) => rng.Pick(kind == NounKind.Thing ? ThingAdjectives : AnimateAdjectives);

    public Noun PickFrom(IReadOnlyList<Noun> nouns, Func<Noun, bool> accept)
    {
        while (true)
        {
            var noun = rng.Pick(nouns);
            if (accept(noun)) return noun;
        }
    }
}
