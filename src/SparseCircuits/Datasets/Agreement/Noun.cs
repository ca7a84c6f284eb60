namespace SparseCircuits.Datasets.Agreement;

/// <summary>What a noun denotes; the generator uses it to keep sentences plausible (tables do not smile).</summary>
public enum NounKind
{
    Person,
    Animal,
    Thing,
}

/// <summary>A countable noun with its singular and plural spellings.</summary>
public sealed record Noun(string Singular, string Plural, NounKind Kind)
{
    public string Form(GrammaticalNumber number) => number == GrammaticalNumber.Singular ? Singular : Plural;

    public bool IsAnimate => Kind != NounKind.Thing;
}
