namespace SparseCircuits.Datasets.Agreement;

using static AgreementVocabulary;

/// <summary>
/// Writes verb phrases whose finite verb agrees with a subject of the given number. The subject's kind keeps them
/// plausible: people and animals smile and go to the park, things are broken and do not work.
/// </summary>
internal sealed class Predicates(NounPhrases nouns)
{
    private Xoshiro256StarStar Rng => nouns.Rng;

    /// <summary>
    /// A predicate that starts, with probability <paramref name="answerVerbShare"/>, with one of the paper's answer
    /// verbs (is/are, has/have, does/do, goes/go), so the model sees those exact continuations often.
    /// </summary>
    public void Append(List<string> words, GrammaticalNumber number, NounKind subject, double answerVerbShare)
    {
        if (Rng.Chance(answerVerbShare)) AppendAnswerVerbPhrase(words, number, subject);
        else AppendOtherPhrase(words, number, subject);
    }

    public void AppendAnswerVerbPhrase(List<string> words, GrammaticalNumber number, NounKind subject)
    {
        switch (Rng.NextBelow(AnswerVerbs.Count))
        {
            case 0:
                words.Add(Be.Form(number));
                AppendBeComplement(words, subject);
                break;
            case 1:
                words.Add(Have.Form(number));
                AppendHaveComplement(words, subject);
                break;
            case 2:
                words.Add(Do.Form(number));
                words.Add("not");
                AppendBaseVerbPhrase(words, subject);
                break;
            default:
                words.Add(Go.Form(number));
                AppendGoComplement(words, subject);
                break;
        }
    }

    /// <summary>Other agreeing verbs, the agreeing past "was/were", and non-agreeing past tense and modals.</summary>
    public void AppendOtherPhrase(List<string> words, GrammaticalNumber number, NounKind subject)
    {
        var roll = Rng.NextDouble();
        if (roll < 0.45)
        {
            if (Rng.Chance(0.15)) words.Add(Rng.Pick(FrequencyAdverbs));
            AppendVerbPhrase(words, subject, v => v.Present(number));
        }
        else if (roll < 0.65)
        {
            words.Add(BePast.Form(number));
            AppendBeComplement(words, subject, progressive: false);
        }
        else if (roll < 0.85)
        {
            AppendVerbPhrase(words, subject, v => v.Past);
        }
        else
        {
            words.Add(Rng.Pick(Modals));
            AppendBaseVerbPhrase(words, subject);
        }
    }

    /// <summary>An uninflected verb phrase, as after "does not", "can" or "Does the boy".</summary>
    public void AppendBaseVerbPhrase(List<string> words, NounKind subject)
    {
        if (subject != NounKind.Thing && Rng.Chance(0.15))
        {
            words.Add(Rng.Chance(0.5) ? "go" : "have");
            if (words[^1] == "go") AppendGoComplement(words, subject);
            else AppendPossession(words);
            return;
        }
        AppendVerbPhrase(words, subject, v => v.Base);
    }

    /// <summary>What follows is/are (or was/were): an adjective, a place, a progressive verb.</summary>
    public void AppendBeComplement(List<string> words, NounKind subject, bool progressive = true)
    {
        var roll = Rng.NextDouble();
        if (roll < 0.45)
        {
            var adverb = Rng.NextBelow(4);
            if (adverb == 0) words.Add("very");
            else if (adverb == 1) words.Add("not");
            words.Add(nouns.Adjective(subject));
        }
        else if (roll < 0.65)
        {
            nouns.AppendPrepositionalPhrase(words, taskBias: false);
        }
        else if (roll < 0.75 || subject == NounKind.Thing || !progressive)
        {
            if (subject == NounKind.Thing || Rng.Chance(0.5)) words.Add(Rng.Chance(0.5) ? "here" : "there");
            else nouns.AppendPlace(words, Rng.Chance(0.5) ? "in" : "at");
        }
        else
        {
            AppendVerbPhrase(words, subject, v => v.Progressive);
        }
    }

    /// <summary>What follows has/have: a possession or a past participle.</summary>
    public void AppendHaveComplement(List<string> words, NounKind subject)
    {
        if (Rng.Chance(0.5)) AppendPossession(words);
        else AppendParticiplePhrase(words, subject);
    }

    /// <summary>"seen the dogs", "fallen": a perfect's participle and its object.</summary>
    public void AppendParticiplePhrase(List<string> words, NounKind subject) => AppendVerbPhrase(words, subject, v => v.Participle);

    /// <summary>What follows goes/go: a destination.</summary>
    public void AppendGoComplement(List<string> words, NounKind subject)
    {
        var roll = Rng.NextDouble();
        if (subject == NounKind.Thing || roll < 0.2)
        {
            words.Add(Rng.Pick<string>(["here", "there", "home"]));
        }
        else if (roll < 0.7)
        {
            nouns.AppendPlace(words, "to");
            if (Rng.Chance(0.2)) words.Add(Rng.Pick<string>(["today", "again", "now"]));
        }
        else
        {
            // "goes to see the dogs": the same words that end a within_rc clause ("that the chef goes to see").
            words.Add("to");
            words.Add("see");
            nouns.AppendObject(words, ObjectKinds.Any);
        }
    }

    private void AppendPossession(List<string> words)
    {
        var noun = nouns.PickNoun(n => n.Kind != NounKind.Person);
        nouns.AppendDeterminedNoun(words, noun, nouns.RandomNumber(), Rng.Chance(0.2) ? nouns.Adjective(noun.Kind) : null);
    }

    /// <summary>
    /// A content verb (in the form <paramref name="form"/> picks; verbs without that form are skipped) and its object;
    /// things only get the intransitives that suit them.
    /// </summary>
    private void AppendVerbPhrase(List<string> words, NounKind subject, Func<LexicalVerb, string?> form)
    {
        var transitive = subject != NounKind.Thing && Rng.Chance(0.55);
        while (true)
        {
            var verb = transitive ? Rng.Pick(TransitiveVerbs) : Rng.Pick(IntransitiveVerbs);
            if (subject == NounKind.Thing && !verb.ThingSubject) continue;
            var written = form(verb);
            if (written is null) continue;
            words.Add(written);
            if (transitive) nouns.AppendObject(words, verb.Objects);
            else if (Rng.Chance(0.25)) AppendAdverbial(words, subject);
            return;
        }
    }

    private void AppendAdverbial(List<string> words, NounKind subject)
    {
        if (subject != NounKind.Thing && Rng.Chance(0.4)) nouns.AppendPlace(words, "in");
        else words.Add(Rng.Pick<string>(["here", "there", "today", "again", "now"]));
    }
}
