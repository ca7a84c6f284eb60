namespace SparseCircuits.Datasets.Agreement;

/// <summary>A one-word preposition; some ("on", "under") only take things as objects.</summary>
public sealed record Preposition(string Word, bool ThingObjectsOnly = false)
{
    public bool Accepts(NounKind kind) => !ThingObjectsOnly || kind == NounKind.Thing;
}
