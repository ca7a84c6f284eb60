namespace SparseCircuits.Datasets.Agreement;

/// <summary>The grammatical number that a subject and its verb must agree on.</summary>
public enum GrammaticalNumber
{
    Singular,
    Plural,
}

public static class GrammaticalNumberExtensions
{
    public static GrammaticalNumber Flip(this GrammaticalNumber number) =>
        number == GrammaticalNumber.Singular ? GrammaticalNumber.Plural : GrammaticalNumber.Singular;

    /// <summary>The spelling used in the data files' <c>case</c> field: "singular" or "plural".</summary>
    public static string CaseName(this GrammaticalNumber number) =>
        number == GrammaticalNumber.Singular ? "singular" : "plural";
}
