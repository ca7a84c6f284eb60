namespace SparseCircuits.Datasets.Agreement;

using static AgreementVocabulary;

/// <summary>
/// Sentences that begin exactly like the paper's four task prompts and continue grammatically:
/// "The author is ...", "The keys near the cabinet are ...", "The managers that the parent likes are ...",
/// "The athletes that the lawyer is watching ...".
/// </summary>
internal sealed class TemplateSentences(NounPhrases nouns, Predicates predicates)
{
    /// <summary>Share of main verbs that are task answers (is/has/does/goes), so every prompt's answer is well trained.</summary>
    public const double AnswerVerbShare = 0.75;

    private Xoshiro256StarStar Rng => nouns.Rng;

    /// <summary>"the author is happy ."</summary>
    public void Simple(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        AppendDefinite(words, subject, number);
        predicates.Append(words, number, subject.Kind, AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>"the keys near the cabinet are on the table ." (the attractor's number is independent).</summary>
    public void NounPP(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        AppendDefinite(words, subject, number);
        nouns.AppendPrepositionalPhrase(words, taskBias: true);
        predicates.Append(words, number, subject.Kind, AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>
    /// "the managers that the parent likes are tired .", and the within_rc continuations "that the parent is watching",
    /// "has met", "does not like", "goes to see": the clause verb agrees with the embedded subject, the main verb with the head.
    /// </summary>
    public void ObjectRelative(List<string> words)
    {
        var (head, number) = (nouns.MainSubject(), nouns.RandomNumber());
        AppendDefinite(words, head, number);
        words.Add("that");
        var (embedded, embeddedNumber) = (nouns.EmbeddedSubject(), nouns.RandomNumber());
        AppendDefinite(words, embedded, embeddedNumber);
        AppendObjectGapClause(words, embeddedNumber, head);
        predicates.Append(words, number, head.Kind, AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>"the boy that likes the dogs is tall .": the clause and main verbs both agree with the head.</summary>
    public void SubjectRelative(List<string> words)
    {
        var (head, number) = (nouns.MainSubject(), nouns.RandomNumber());
        AppendDefinite(words, head, number);
        words.Add("that");
        predicates.Append(words, number, head.Kind, AnswerVerbShare);
        predicates.Append(words, number, head.Kind, AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>
    /// The rest of an object relative clause after its subject: a verb agreeing with <paramref name="embeddedNumber"/>
    /// whose missing object is <paramref name="head"/>.
    /// </summary>
    public void AppendObjectGapClause(List<string> words, GrammaticalNumber embeddedNumber, Noun head)
    {
        var roll = Rng.NextDouble();
        if (roll < 0.5)
        {
            // Favour the rc task's verbs for people heads, as in "the managers that the parent likes".
            words.Add(head.Kind == NounKind.Person && Rng.Chance(0.6)
                ? Rng.Pick(RelativeClauseTaskVerbs).Present(embeddedNumber)
                : PickTransitive(head, v => v.Present(embeddedNumber)));
        }
        else if (roll < 0.625)
        {
            words.Add(Be.Form(embeddedNumber));
            words.Add(PickTransitive(head, v => v.Progressive));
        }
        else if (roll < 0.75)
        {
            words.Add(Have.Form(embeddedNumber));
            words.Add(PickTransitive(head, v => v.Participle));
        }
        else if (roll < 0.875)
        {
            words.Add(Do.Form(embeddedNumber));
            words.Add("not");
            words.Add(PickTransitive(head, v => v.Base));
        }
        else
        {
            words.Add(Go.Form(embeddedNumber));
            words.Add("to");
            words.Add("see");
        }
    }

    /// <summary>"the N" with a lower-case article; the generator capitalises the sentence's first word.</summary>
    public static void AppendDefinite(List<string> words, Noun noun, GrammaticalNumber number)
    {
        words.Add("the");
        words.Add(noun.Form(number));
    }

    private string PickTransitive(Noun head, Func<LexicalVerb, string?> form)
    {
        while (true)
        {
            var verb = Rng.Pick(TransitiveVerbs);
            if (!verb.Accepts(head.Kind)) continue;
            var written = form(verb);
            if (written is not null) return written;
        }
    }
}
