namespace SparseCircuits.Datasets.Agreement;

/// <summary>
/// Every word the agreement corpus and task sets use. The first three noun lists are exactly the nouns in each
/// position of the paper's subject–verb agreement files (simple, nounpp, within_rc); everything else is added so that
/// the trained model sees varied English rather than four templates. Kept in code so the demo needs no outside files.
/// </summary>
public static class AgreementVocabulary
{
    /// <summary>Main subjects of all paper tasks ("The <b>author</b> is").</summary>
    public static IReadOnlyList<Noun> SubjectNouns { get; } =
    [
        Person("athlete"), Person("aunt"), Person("boy"), Person("carpenter"), Person("doctor"),
        Person("farmer"), Person("father"), Person("friend"), Person("girl"), Person("guy"),
        Person("kid"), Person("lawyer"), new("man", "men", NounKind.Person), Person("mother"), Person("poet"),
        Person("singer"), Person("teacher"), Person("uncle"), Person("victim"), new("woman", "women", NounKind.Person),
    ];

    /// <summary>Objects of the nounpp prepositions, the attractors ("The keys near the <b>cabinet</b>").</summary>
    public static IReadOnlyList<Noun> AttractorNouns { get; } =
    [
        Thing("bike"), Thing("car"), Animal("cat"), Thing("chair"), Thing("desk"),
        Animal("dog"), Thing("table"), Thing("tree"), Thing("truck"), Thing("window"),
    ];

    /// <summary>Subjects of the embedded clause in within_rc and rc ("The athletes that the <b>lawyer</b>").</summary>
    public static IReadOnlyList<Noun> EmbeddedNouns { get; } =
    [
        Person("architect"), Person("assistant"), Person("chef"), Person("dancer"), Person("driver"),
        Person("executive"), Person("guard"), Person("minister"), Person("parent"), Person("skater"),
    ];

    /// <summary>Nouns beyond the paper's, for variety (including the DESIGN examples "keys" and "cabinet").</summary>
    public static IReadOnlyList<Noun> ExtraNouns { get; } =
    [
        Person("author"), Person("manager"), Person("student"), Person("nurse"), Person("pilot"),
        new("child", "children", NounKind.Person), Person("brother"), Person("sister"), Person("neighbor"),
        Person("officer"), Person("baker"), Person("painter"),
        Animal("horse"), Animal("bird"), new("mouse", "mice", NounKind.Animal), Animal("rabbit"), Animal("duck"),
        Animal("cow"),
        Thing("key"), Thing("cabinet"), Thing("book"), new("box", "boxes", NounKind.Thing), Thing("house"),
        Thing("door"), Thing("lamp"), Thing("cup"), Thing("bag"), Thing("picture"), Thing("bottle"), Thing("wall"),
        new("bench", "benches", NounKind.Thing), Thing("fence"), Thing("clock"), new("shelf", "shelves", NounKind.Thing), Thing("boat"),
        Thing("ball"),
    ];

    public static IReadOnlyList<Noun> Nouns { get; } = [.. SubjectNouns, .. AttractorNouns, .. EmbeddedNouns, .. ExtraNouns];

    /// <summary>The four answer pairs of the paper's tasks, in the order is/are, has/have, does/do, goes/go.</summary>
    public static IReadOnlyList<AgreeingVerb> AnswerVerbs { get; } =
    [
        new("is", "are"), new("has", "have"), new("does", "do"), new("goes", "go"),
    ];

    public static AgreeingVerb Be => AnswerVerbs[0];
    public static AgreeingVerb Have => AnswerVerbs[1];
    public static AgreeingVerb Do => AnswerVerbs[2];
    public static AgreeingVerb Go => AnswerVerbs[3];

    /// <summary>Past tense of "be", the one past form that still agrees.</summary>
    public static AgreeingVerb BePast { get; } = new("was", "were");

    /// <summary>The verbs of the rc task's embedded clause ("The managers that the parent <b>likes</b>").</summary>
    public static IReadOnlyList<LexicalVerb> RelativeClauseTaskVerbs { get; } =
    [
        new("like", "likes", "liked", "liked", null, ObjectKinds.Any),
        new("love", "loves", "loved", "loved", null, ObjectKinds.Any),
        new("hate", "hates", "hated", "hated", null, ObjectKinds.Any),
        new("admire", "admires", "admired", "admired", null, ObjectKinds.Animate),
        new("know", "knows", "knew", "known", null, ObjectKinds.Animate),
        new("trust", "trusts", "trusted", "trusted", null, ObjectKinds.Animate),
    ];

    /// <summary>Verbs that take an object: the rc task's and more.</summary>
    public static IReadOnlyList<LexicalVerb> TransitiveVerbs { get; } =
    [
        .. RelativeClauseTaskVerbs,
        new("see", "sees", "saw", "seen", "seeing", ObjectKinds.Any),
        new("meet", "meets", "met", "met", "meeting", ObjectKinds.Animate),
        new("help", "helps", "helped", "helped", "helping", ObjectKinds.Animate),
        new("call", "calls", "called", "called", "calling", ObjectKinds.Animate),
        new("watch", "watches", "watched", "watched", "watching", ObjectKinds.Any),
        new("visit", "visits", "visited", "visited", "visiting", ObjectKinds.Animate),
        new("follow", "follows", "followed", "followed", "following", ObjectKinds.Animate),
        new("want", "wants", "wanted", "wanted", null, ObjectKinds.NonHuman),
        new("need", "needs", "needed", "needed", null, ObjectKinds.Any),
        new("find", "finds", "found", "found", "finding", ObjectKinds.Any),
        new("carry", "carries", "carried", "carried", "carrying", ObjectKinds.NonHuman),
        new("buy", "buys", "bought", "bought", "buying", ObjectKinds.NonHuman),
    ];

    public static IReadOnlyList<LexicalVerb> IntransitiveVerbs { get; } =
    [
        new("smile", "smiles", "smiled", "smiled", "smiling", ObjectKinds.None),
        new("sleep", "sleeps", "slept", "slept", "sleeping", ObjectKinds.None),
        new("run", "runs", "ran", "run", "running", ObjectKinds.None),
        new("sing", "sings", "sang", "sung", "singing", ObjectKinds.None),
        new("laugh", "laughs", "laughed", "laughed", "laughing", ObjectKinds.None),
        new("wait", "waits", "waited", "waited", "waiting", ObjectKinds.None),
        new("swim", "swims", "swam", "swum", "swimming", ObjectKinds.None),
        new("dance", "dances", "danced", "danced", "dancing", ObjectKinds.None),
        new("cry", "cries", "cried", "cried", "crying", ObjectKinds.None),
        new("arrive", "arrives", "arrived", "arrived", "arriving", ObjectKinds.None),
        new("leave", "leaves", "left", "left", "leaving", ObjectKinds.None),
        new("work", "works", "worked", "worked", "working", ObjectKinds.None, ThingSubject: true),
        new("move", "moves", "moved", "moved", "moving", ObjectKinds.None, ThingSubject: true),
        new("fall", "falls", "fell", "fallen", "falling", ObjectKinds.None, ThingSubject: true),
    ];

    /// <summary>Verbs that take a "that" clause ("the guard says that the dogs are ...").</summary>
    public static IReadOnlyList<LexicalVerb> ComplementVerbs { get; } =
    [
        new("say", "says", "said", "said", null, ObjectKinds.None),
        new("think", "thinks", "thought", "thought", null, ObjectKinds.None),
        new("hope", "hopes", "hoped", "hoped", null, ObjectKinds.None),
        RelativeClauseTaskVerbs[4], // know
    ];

    /// <summary>Prepositions: the nounpp three first, then locative ones for variety.</summary>
    public static IReadOnlyList<Preposition> Prepositions { get; } =
    [
        new("near"), new("behind"), new("beside"),
        new("by"), new("with"),
        new("under", ThingObjectsOnly: true), new("above", ThingObjectsOnly: true),
        new("on", ThingObjectsOnly: true), new("in", ThingObjectsOnly: true),
    ];

    /// <summary>The prepositions of the paper's nounpp task.</summary>
    public static IReadOnlyList<Preposition> NounPPTaskPrepositions { get; } = Prepositions.Take(3).ToArray();

    /// <summary>Adjectives that fit people and animals.</summary>
    public static IReadOnlyList<string> AnimateAdjectives { get; } =
    [
        "happy", "sad", "tired", "young", "old", "tall", "busy", "kind", "hungry", "angry",
        "ready", "late", "quiet", "calm", "brave", "strong", "friendly", "small",
    ];

    public static IReadOnlyList<string> ThingAdjectives { get; } =
    [
        "old", "new", "big", "small", "red", "blue", "green", "white", "broken", "heavy", "clean", "dirty", "open", "cheap",
    ];

    /// <summary>Destinations of "go to the ...": singular only, so they never act as subjects.</summary>
    public static IReadOnlyList<string> Places { get; } =
    [
        "park", "store", "station", "market", "river", "beach", "office", "garden", "library", "city", "school",
        "hospital",
    ];

    public static IReadOnlyList<string> Names { get; } = ["Anna", "Tom", "Mary", "John", "Lucy", "Sam", "Emma", "Ben"];

    /// <summary>Determiners that need a singular noun ("a" becomes "an" before a vowel).</summary>
    public static IReadOnlyList<string> SingularDeterminers { get; } = ["a", "this", "that", "every"];

    /// <summary>Determiners that need a plural noun.</summary>
    public static IReadOnlyList<string> PluralDeterminers { get; } = ["these", "those", "two", "three", "four", "some", "many"];

    /// <summary>Subject pronouns that take the singular verb (he is) and the plural verb (they are, you are).</summary>
    public static IReadOnlyList<string> SingularPersonPronouns { get; } = ["he", "she"];
    public static IReadOnlyList<string> PluralPersonPronouns { get; } = ["they", "we", "you"];

    public static IReadOnlyList<string> ObjectPronouns { get; } = ["him", "her", "them", "us", "it"];

    public static IReadOnlyList<string> FrequencyAdverbs { get; } = ["always", "often", "never", "sometimes", "usually"];

    public static IReadOnlyList<string> Modals { get; } = ["can", "will", "should"];

    /// <summary>Words with no agreement role: connectives, adverbs, particles.</summary>
    public static IReadOnlyList<string> FunctionWords { get; } =
    [
        "the", "an", "it", "that", "and", "but", "not", "to", "very", "here", "there", "home", "at",
        "today", "yesterday", "now", "again",
    ];

    public static IReadOnlyList<string> Punctuation { get; } = [".", "?"];

    /// <summary>
    /// Lower-case words that can open a sentence; the generator writes them capitalised ("The", "Is"). "where" only
    /// ever opens a question, so only "Where" is a token.
    /// </summary>
    public static IReadOnlyList<string> SentenceInitialWords { get; } =
    [
        "the", "a", "an", "this", "that", "these", "those", "every", "two", "three", "four", "some", "many",
        "he", "she", "it", "they", "we", "you", "there", "is", "are", "was", "were", "does", "do", "has", "have",
        "where", "today", "yesterday", "now",
    ];

    /// <summary>Every token the generator can write, sorted ordinally: the word-level tokenizer's vocabulary.</summary>
    public static IReadOnlyList<string> AllTokens { get; } = CollectTokens();

    /// <summary>The number of a noun form, for every noun in <see cref="Nouns"/>.</summary>
    public static bool TryGetNounNumber(string word, out GrammaticalNumber number)
    {
        if (NounNumbers.TryGetValue(word, out number)) return true;
        number = default;
        return false;
    }

    /// <summary>"The", "Is": the spelling of a word at the start of a sentence.</summary>
    public static string Capitalize(string word) =>
        word.Length == 0 || char.IsUpper(word[0]) ? word : char.ToUpperInvariant(word[0]) + word[1..];

    private static readonly Dictionary<string, GrammaticalNumber> NounNumbers = Nouns
        .SelectMany(n => new[] { (n.Singular, GrammaticalNumber.Singular), (n.Plural, GrammaticalNumber.Plural) })
        .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal);

    private static Noun Person(string singular) => new(singular, singular + "s", NounKind.Person);
    private static Noun Animal(string singular) => new(singular, singular + "s", NounKind.Animal);
    private static Noun Thing(string singular) => new(singular, singular + "s", NounKind.Thing);

    private static string[] CollectTokens()
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in Nouns) { words.Add(n.Singular); words.Add(n.Plural); }
        foreach (var v in AnswerVerbs.Append(BePast)) { words.Add(v.Singular); words.Add(v.Plural); }
        foreach (var v in TransitiveVerbs.Concat(IntransitiveVerbs).Concat(ComplementVerbs))
        {
            words.Add(v.Base); words.Add(v.ThirdSingular); words.Add(v.Past); words.Add(v.Participle);
            if (v.Progressive is not null) words.Add(v.Progressive);
        }
        words.UnionWith(Prepositions.Select(p => p.Word));
        words.UnionWith(AnimateAdjectives);
        words.UnionWith(ThingAdjectives);
        words.UnionWith(Places);
        words.UnionWith(Names);
        words.UnionWith(SingularDeterminers);
        words.UnionWith(PluralDeterminers);
        words.UnionWith(SingularPersonPronouns);
        words.UnionWith(PluralPersonPronouns);
        words.UnionWith(ObjectPronouns);
        words.UnionWith(FrequencyAdverbs);
        words.UnionWith(Modals);
        words.UnionWith(FunctionWords);
        words.UnionWith(Punctuation);
        words.UnionWith(SentenceInitialWords.Select(Capitalize));
        return words.Order(StringComparer.Ordinal).ToArray();
    }
}
