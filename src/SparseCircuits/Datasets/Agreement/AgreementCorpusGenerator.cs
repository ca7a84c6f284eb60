namespace SparseCircuits.Datasets.Agreement;

/// <summary>
/// Seeded generator of English training text with correct subject–verb agreement: one sentence per line, words and
/// punctuation separated by single spaces, the first word capitalised ("The keys near the cabinet are on the table .").
/// About 60% of sentences open like one of the paper's four task prompts; the rest are varied filler so the model
/// learns agreement as part of language. The same seed always gives the same text, on any runtime.
/// </summary>
public sealed class AgreementCorpusGenerator
{
    private readonly (double Weight, Action<List<string>> Write)[] _kinds;
    private readonly double _totalWeight;
    private readonly Xoshiro256StarStar _rng;
    private readonly List<string> _words = new(32);

    public AgreementCorpusGenerator(int seed)
    {
        _rng = Xoshiro256StarStar.ForStream(seed, "corpus");
        var nouns = new NounPhrases(_rng);
        var predicates = new Predicates(nouns);
        var templates = new TemplateSentences(nouns, predicates);
        var fillers = new FillerSentences(nouns, predicates, templates);
        _kinds =
        [
            (14, templates.Simple),
            (18, templates.NounPP),
            (22, templates.ObjectRelative),
            (5, templates.SubjectRelative),
            (6, fillers.Pronoun),
            (4, fillers.CoordinatedSubject),
            (4, fillers.CoordinatedClauses),
            (6, fillers.Question),
            (4, fillers.ThereIs),
            (5, fillers.OtherDeterminer),
            (4, fillers.Past),
            (3, fillers.NestedPP),
            (3, fillers.Adjectival),
            (3, fillers.Complement),
            (3, fillers.LongRelative),
        ];
        _totalWeight = _kinds.Sum(k => k.Weight);
    }

    /// <summary>The next sentence's tokens (the list is reused by the next call).</summary>
    public IReadOnlyList<string> NextSentenceWords()
    {
        _words.Clear();
        var target = _rng.NextDouble() * _totalWeight;
        var kind = _kinds.Length - 1;
        for (var i = 0; i < _kinds.Length; i++)
        {
            target -= _kinds[i].Weight;
            if (target < 0) { kind = i; break; }
        }
        _kinds[kind].Write(_words);
        _words[0] = AgreementVocabulary.Capitalize(_words[0]);
        return _words;
    }

    /// <summary>The next sentence as one line: tokens joined by single spaces.</summary>
    public string NextSentence() => string.Join(' ', NextSentenceWords());

    /// <summary>The next <paramref name="count"/> sentences, generated lazily.</summary>
    public IEnumerable<string> Sentences(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++) yield return NextSentence();
    }
}
