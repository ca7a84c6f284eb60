namespace SparseCircuits.Tests.Datasets;

using SparseCircuits.Datasets.Agreement;

/// <summary>
/// The test's own idea of number, from English spelling rules rather than the generator's tables: a present-tense
/// verb is singular exactly when it ends in "s" (is, has, does, goes, likes, watches, was); a noun is plural when it
/// ends in "s" or is one of the irregular plurals.
/// </summary>
internal static class EnglishMorphology
{
    private static readonly HashSet<string> IrregularPlurals = ["men", "women", "children", "mice", "people"];

    public static GrammaticalNumber NounNumber(string noun) =>
        IrregularPlurals.Contains(noun) || noun.EndsWith('s') ? GrammaticalNumber.Plural : GrammaticalNumber.Singular;

    public static GrammaticalNumber VerbNumber(string verb) =>
        verb.EndsWith('s') ? GrammaticalNumber.Singular : GrammaticalNumber.Plural;

    /// <summary>The regular English plural: -es after a sibilant, -ies after consonant + y, -s otherwise.</summary>
    public static string RegularPlural(string singular)
    {
        if (singular.EndsWith("ch") || singular.EndsWith("sh") || singular.EndsWith('x') || singular.EndsWith('s'))
            return singular + "es";
        if (singular.EndsWith('y') && !"aeiou".Contains(singular[^2])) return singular[..^1] + "ies";
        return singular + "s";
    }
}
