namespace SparseCircuits.Datasets.Agreement;

/// <summary>Which nouns a verb accepts as its object (or as the head of its object relative clause).</summary>
public enum ObjectKinds
{
    /// <summary>Intransitive: no object.</summary>
    None,
    /// <summary>People and animals ("trusts the dog").</summary>
    Animate,
    /// <summary>Things and animals ("carries the cat", "wants a car").</summary>
    NonHuman,
    /// <summary>Anything.</summary>
    Any,
}

/// <summary>
/// A content verb with every form the generator uses; <see cref="Progressive"/> is null for stative verbs ("liking"). <see cref="ThingSubject"/> marks intransitives that an object
/// can be the subject of ("the car does not work").
/// </summary>
public sealed record LexicalVerb(
    string Base,
    string ThirdSingular,
    string Past,
    string Participle,
    string? Progressive,
    ObjectKinds Objects,
    bool ThingSubject = false)
{
    /// <summary>The present tense agreeing with the subject: "likes" for singular, "like" for plural.</summary>
    public string Present(GrammaticalNumber number) => number == GrammaticalNumber.Singular ? ThirdSingular : Base;

    public bool Accepts(NounKind kind) => Objects.Accepts(kind);
}

public static class ObjectKindsExtensions
{
    public static bool Accepts(this ObjectKinds kinds, NounKind kind) => kinds switch
    {
        ObjectKinds.Animate => kind != NounKind.Thing,
        ObjectKinds.NonHuman => kind != NounKind.Person,
        ObjectKinds.Any => true,
        _ => false,
    };
}
