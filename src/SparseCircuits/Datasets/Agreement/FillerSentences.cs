namespace SparseCircuits.Datasets.Agreement;

using static AgreementVocabulary;

/// <summary>
/// Sentences outside the task templates, so the model learns agreement as language: pronouns, coordination,
/// questions, "there is/are", other determiners, past tense, nested and adjectival phrases, "that" clauses and longer
/// relative clauses. Every present-tense verb (and was/were) still agrees with its true subject.
/// </summary>
internal sealed class FillerSentences(NounPhrases nouns, Predicates predicates, TemplateSentences templates)
{
    private Xoshiro256StarStar Rng => nouns.Rng;

    /// <summary>"they have two dogs .", "it is broken .", "Anna goes to the park ."</summary>
    public void Pronoun(List<string> words)
    {
        AppendPronounClause(words);
        words.Add(".");
    }

    private void AppendPronounClause(List<string> words)
    {
        var roll = Rng.NextBelow(4);
        if (roll == 0)
        {
            words.Add(Rng.Pick(SingularPersonPronouns));
            predicates.Append(words, GrammaticalNumber.Singular, NounKind.Person, 0.5);
        }
        else if (roll == 1)
        {
            words.Add(Rng.Pick(PluralPersonPronouns));
            predicates.Append(words, GrammaticalNumber.Plural, NounKind.Person, 0.5);
        }
        else if (roll == 2)
        {
            words.Add("it");
            predicates.Append(words, GrammaticalNumber.Singular, NounKind.Thing, 0.5);
        }
        else
        {
            words.Add(Rng.Pick(Names));
            predicates.Append(words, GrammaticalNumber.Singular, NounKind.Person, 0.5);
        }
    }

    /// <summary>"the boy and the dogs are happy .": a coordinated subject is plural whatever its parts are.</summary>
    public void CoordinatedSubject(List<string> words)
    {
        if (Rng.Chance(0.25))
        {
            var firstName = Rng.Pick(Names);
            var secondName = Rng.Pick(Names);
            while (secondName == firstName) secondName = Rng.Pick(Names);
            words.Add(firstName);
            words.Add("and");
            words.Add(secondName);
        }
        else
        {
            TemplateSentences.AppendDefinite(words, nouns.PickNoun(n => n.IsAnimate), nouns.RandomNumber());
            words.Add("and");
            TemplateSentences.AppendDefinite(words, nouns.PickNoun(n => n.IsAnimate), nouns.RandomNumber());
        }
        predicates.Append(words, GrammaticalNumber.Plural, NounKind.Person, TemplateSentences.AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>"the dog is old and the cats are young .": two clauses, each agreeing with its own subject.</summary>
    public void CoordinatedClauses(List<string> words)
    {
        AppendClause(words);
        words.Add(Rng.Chance(0.7) ? "and" : "but");
        if (Rng.Chance(0.3)) AppendPronounClause(words);
        else AppendClause(words);
        words.Add(".");
    }

    /// <summary>"is the girl near the cars tired ?", "do the kids like the dog ?", "where are the keys ?"</summary>
    public void Question(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        var roll = Rng.NextBelow(5);
        if (roll == 4)
        {
            words.Add("where");
            words.Add((Rng.Chance(0.8) ? Be : BePast).Form(number));
            AppendSubject(words, subject, number);
            words.Add("?");
            return;
        }
        var auxiliary = roll switch { 0 => Be, 1 => BePast, 2 => Do, _ => Have };
        words.Add(auxiliary.Form(number));
        AppendSubject(words, subject, number);
        if (auxiliary == Do) predicates.AppendBaseVerbPhrase(words, subject.Kind);
        else if (auxiliary == Have) predicates.AppendParticiplePhrase(words, subject.Kind);
        else predicates.AppendBeComplement(words, subject.Kind, progressive: auxiliary == Be);
        words.Add("?");
    }

    /// <summary>"there are two dogs near the car .": the verb agrees with the noun after it.</summary>
    public void ThereIs(List<string> words)
    {
        var noun = nouns.PickNoun(_ => true);
        var number = nouns.RandomNumber();
        words.Add("there");
        words.Add((Rng.Chance(0.75) ? Be : BePast).Form(number));
        if (number == GrammaticalNumber.Singular) words.Add(NounPhrases.IndefiniteArticle(noun.Singular));
        else words.Add(Rng.Pick<string>(["two", "three", "four", "some", "many"]));
        words.Add(noun.Form(number));
        if (Rng.Chance(0.6)) nouns.AppendPrepositionalPhrase(words, taskBias: false);
        else nouns.AppendPlace(words, "in");
        words.Add(".");
    }

    /// <summary>"every kid has a bike .", "those trucks are red .", "an uncle goes home ."</summary>
    public void OtherDeterminer(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        var form = subject.Form(number);
        if (number == GrammaticalNumber.Singular)
        {
            var determiner = Rng.Pick(SingularDeterminers);
            words.Add(determiner == "a" ? NounPhrases.IndefiniteArticle(form) : determiner);
        }
        else
        {
            words.Add(Rng.Pick(PluralDeterminers));
        }
        words.Add(form);
        if (Rng.Chance(0.3)) nouns.AppendPrepositionalPhrase(words, taskBias: false);
        predicates.Append(words, number, subject.Kind, 0.5);
        words.Add(".");
    }

    /// <summary>"yesterday the boys were tired .", "the girl liked the cats .": past tense, agreeing only in was/were.</summary>
    public void Past(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        if (Rng.Chance(0.3)) words.Add("yesterday");
        TemplateSentences.AppendDefinite(words, subject, number);
        if (Rng.Chance(0.3)) nouns.AppendPrepositionalPhrase(words, taskBias: false);
        if (Rng.Chance(0.4))
        {
            words.Add(BePast.Form(number));
            predicates.AppendBeComplement(words, subject.Kind, progressive: false);
        }
        else
        {
            predicates.AppendOtherPhrase(words, number, subject.Kind);
        }
        if (words[0] != "yesterday" && Rng.Chance(0.2)) words.Add("yesterday");
        words.Add(".");
    }

    /// <summary>"the keys near the cabinet behind the doors are old .": two attractors before the verb.</summary>
    public void NestedPP(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        TemplateSentences.AppendDefinite(words, subject, number);
        nouns.AppendPrepositionalPhrase(words, taskBias: true);
        nouns.AppendPrepositionalPhrase(words, taskBias: false);
        predicates.Append(words, number, subject.Kind, TemplateSentences.AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>"the tired girls near the old truck are here .", "today the man is busy ."</summary>
    public void Adjectival(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        if (Rng.Chance(0.2)) words.Add(Rng.Pick<string>(["today", "now"]));
        words.Add("the");
        if (Rng.Chance(0.7)) words.Add(nouns.Adjective(subject.Kind));
        words.Add(subject.Form(number));
        if (Rng.Chance(0.5)) nouns.AppendPrepositionalPhrase(words, taskBias: true, withAdjective: true);
        predicates.Append(words, number, subject.Kind, TemplateSentences.AnswerVerbShare);
        words.Add(".");
    }

    /// <summary>"the doctor says that the kids are here .": after "that the N", the verb agrees with N.</summary>
    public void Complement(List<string> words)
    {
        var (subject, number) = (nouns.PickNoun(n => n.Kind == NounKind.Person), nouns.RandomNumber());
        TemplateSentences.AppendDefinite(words, subject, number);
        var verb = Rng.Pick(ComplementVerbs);
        words.Add(Rng.Chance(0.8) ? verb.Present(number) : verb.Past);
        words.Add("that");
        if (Rng.Chance(0.3))
        {
            AppendPronounClause(words);
        }
        else
        {
            var (inner, innerNumber) = (nouns.MainSubject(), nouns.RandomNumber());
            TemplateSentences.AppendDefinite(words, inner, innerNumber);
            if (Rng.Chance(0.3)) nouns.AppendPrepositionalPhrase(words, taskBias: true);
            predicates.Append(words, innerNumber, inner.Kind, TemplateSentences.AnswerVerbShare);
        }
        words.Add(".");
    }

    /// <summary>
    /// "the man that the boys near the car like is tall .": a prepositional phrase inside the relative clause puts a
    /// third noun between each verb and its subject.
    /// </summary>
    public void LongRelative(List<string> words)
    {
        var (head, number) = (nouns.MainSubject(), nouns.RandomNumber());
        TemplateSentences.AppendDefinite(words, head, number);
        words.Add("that");
        var (embedded, embeddedNumber) = (nouns.EmbeddedSubject(), nouns.RandomNumber());
        TemplateSentences.AppendDefinite(words, embedded, embeddedNumber);
        nouns.AppendPrepositionalPhrase(words, taskBias: false);
        templates.AppendObjectGapClause(words, embeddedNumber, head);
        predicates.Append(words, number, head.Kind, TemplateSentences.AnswerVerbShare);
        words.Add(".");
    }

    private void AppendClause(List<string> words)
    {
        var (subject, number) = (nouns.MainSubject(), nouns.RandomNumber());
        TemplateSentences.AppendDefinite(words, subject, number);
        if (Rng.Chance(0.3)) nouns.AppendPrepositionalPhrase(words, taskBias: false);
        predicates.Append(words, number, subject.Kind, TemplateSentences.AnswerVerbShare);
    }

    private void AppendSubject(List<string> words, Noun subject, GrammaticalNumber number)
    {
        TemplateSentences.AppendDefinite(words, subject, number);
        if (Rng.Chance(0.3)) nouns.AppendPrepositionalPhrase(words, taskBias: true);
    }
}
