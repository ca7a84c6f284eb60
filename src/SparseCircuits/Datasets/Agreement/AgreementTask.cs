namespace SparseCircuits.Datasets.Agreement;

/// <summary>The paper's four subject–verb agreement tasks.</summary>
public enum AgreementTask
{
    /// <summary>"The N" → verb agreeing with N.</summary>
    Simple,
    /// <summary>"The N PREP the N2" → verb agreeing with N (N2 is an attractor).</summary>
    NounPP,
    /// <summary>"The N that the N2 V" → verb agreeing with N, across a whole object relative clause.</summary>
    RelativeClause,
    /// <summary>"The N that the N2" → verb agreeing with N2, inside the relative clause.</summary>
    WithinRelativeClause,
}

public static class AgreementTaskExtensions
{
    /// <summary>The name the paper's files use: simple, nounpp, rc, within_rc.</summary>
    public static string FileStem(this AgreementTask task) => task switch
    {
        AgreementTask.Simple => "simple",
        AgreementTask.NounPP => "nounpp",
        AgreementTask.RelativeClause => "rc",
        AgreementTask.WithinRelativeClause => "within_rc",
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>Words in every prompt of the task ("The keys near the cabinet" is 5).</summary>
    public static int PromptWordCount(this AgreementTask task) => task switch
    {
        AgreementTask.Simple => 2,
        AgreementTask.NounPP => 5,
        AgreementTask.RelativeClause => 6,
        AgreementTask.WithinRelativeClause => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };
}
