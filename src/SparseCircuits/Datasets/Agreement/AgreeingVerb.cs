namespace SparseCircuits.Datasets.Agreement;

/// <summary>A verb form that changes with the subject's number, e.g. is/are or was/were.</summary>
public sealed record AgreeingVerb(string Singular, string Plural)
{
    public string Form(GrammaticalNumber number) => number == GrammaticalNumber.Singular ? Singular : Plural;
}
