namespace SparseCircuits.Datasets.Agreement;

using static AgreementVocabulary;

/// <summary>
/// Builds the train/test sets of the four agreement tasks the way the paper's files were built: every combination of
/// the task's nouns (and preposition or verb), both numbers of each noun and the four answer pairs. Unlike the
/// paper's files, train and test never share a word combination: the combinations (e.g. subject + preposition +
/// attractor, whatever their numbers and answer verb) are split 80/20 first, then each side is sampled.
/// </summary>
public static class AgreementTaskSets
{
    /// <summary>Share of word combinations held out for the test set.</summary>
    public const double TestShare = 0.2;

    public static IReadOnlyList<AgreementTask> All { get; } =
        [AgreementTask.Simple, AgreementTask.NounPP, AgreementTask.RelativeClause, AgreementTask.WithinRelativeClause];

    /// <summary>
    /// Sizes like the paper's files (simple 480/120, nounpp 1920/480); rc and within_rc are capped at 2000/400 to keep
    /// the repository small.
    /// </summary>
    public static (int Train, int Test) DefaultSizes(AgreementTask task) => task switch
    {
        AgreementTask.Simple => (480, 120),
        AgreementTask.NounPP => (1920, 480),
        AgreementTask.RelativeClause or AgreementTask.WithinRelativeClause => (2000, 400),
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    public static AgreementTaskSet Build(AgreementTask task, int seed)
    {
        var (train, test) = DefaultSizes(task);
        return Build(task, seed, train, test);
    }

    /// <summary>
    /// The task's sets. A side whose pool of distinct examples is smaller than asked (only simple: 128 train, 32 test)
    /// repeats the pool in fresh shuffles, as the paper's own files repeat examples.
    /// </summary>
    public static AgreementTaskSet Build(AgreementTask task, int seed, int trainCount, int testCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        var rng = Xoshiro256StarStar.ForStream(seed, task.FileStem());
        var combinations = Combinations(task).ToList();
        rng.Shuffle(combinations);
        var testCombinations = (int)Math.Round(combinations.Count * TestShare);
        var testPool = combinations.Take(testCombinations).SelectMany(c => c).ToList();
        var trainPool = combinations.Skip(testCombinations).SelectMany(c => c).ToList();
        return new AgreementTaskSet(task, Sample(trainPool, trainCount, rng), Sample(testPool, testCount, rng));
    }

    /// <summary>All examples of the task, grouped by the word combination that the train/test split keeps together.</summary>
    public static IEnumerable<IReadOnlyList<AgreementExample>> Combinations(AgreementTask task) => task switch
    {
        AgreementTask.Simple =>
            from subject in SubjectNouns
            from verb in AnswerVerbs
            select Variants((n, _) => $"The {subject.Form(n)}", verb, agreesWithSecond: false, secondVaries: false),
        AgreementTask.NounPP =>
            from subject in SubjectNouns
            from preposition in NounPPTaskPrepositions
            from attractor in AttractorNouns
            select Variants((n, a) => $"The {subject.Form(n)} {preposition.Word} the {attractor.Form(a)}", null,
                agreesWithSecond: false),
        AgreementTask.RelativeClause =>
            from head in SubjectNouns
            from embedded in EmbeddedNouns
            from clauseVerb in RelativeClauseTaskVerbs
            select Variants((n, e) => $"The {head.Form(n)} that the {embedded.Form(e)} {clauseVerb.Present(e)}", null,
                agreesWithSecond: false),
        AgreementTask.WithinRelativeClause =>
            from head in SubjectNouns
            from embedded in EmbeddedNouns
            select Variants((n, e) => $"The {head.Form(n)} that the {embedded.Form(e)}", null, agreesWithSecond: true),
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>
    /// The examples of one word combination: each number of the main noun (and of the second noun when
    /// <paramref name="secondVaries"/>), for one answer pair or all four. The patch flips the noun the answer agrees
    /// with: the main noun, or the second one when <paramref name="agreesWithSecond"/> (within_rc).
    /// </summary>
    private static IReadOnlyList<AgreementExample> Variants(
        Func<GrammaticalNumber, GrammaticalNumber, string> prompt,
        AgreeingVerb? onlyVerb,
        bool agreesWithSecond,
        bool secondVaries = true)
    {
        GrammaticalNumber[] numbers = [GrammaticalNumber.Singular, GrammaticalNumber.Plural];
        var examples = new List<AgreementExample>();
        foreach (var main in numbers)
        foreach (var second in secondVaries ? numbers : numbers[..1])
        foreach (var verb in onlyVerb is null ? AnswerVerbs : [onlyVerb])
        {
            var agreeing = agreesWithSecond ? second : main;
            var patchPrompt = agreesWithSecond ? prompt(main, second.Flip()) : prompt(main.Flip(), second);
            var caseName = secondVaries ? $"{main.CaseName()}_{second.CaseName()}" : main.CaseName();
            examples.Add(new AgreementExample(
                prompt(main, second), patchPrompt,
                " " + verb.Form(agreeing), " " + verb.Form(agreeing.Flip()), caseName));
        }
        return examples;
    }

    private static List<AgreementExample> Sample(List<AgreementExample> pool, int count, Xoshiro256StarStar rng)
    {
        if (pool.Count == 0 && count > 0) throw new InvalidOperationException("No examples to sample from.");
        var sample = new List<AgreementExample>(count);
        while (sample.Count < count)
        {
            var pass = new List<AgreementExample>(pool);
            rng.Shuffle(pass);
            sample.AddRange(pass.Take(count - sample.Count));
        }
        return sample;
    }
}
