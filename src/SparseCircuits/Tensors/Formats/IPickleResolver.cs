namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// What a <see cref="PickleMachine"/> may build beyond plain data (strings, numbers, tuples, lists, dicts). The
/// resolver decides which globals exist at all, so anything it does not know is refused before it can be called.
/// </summary>
internal interface IPickleResolver
{
    /// <summary>The object a GLOBAL/STACK_GLOBAL names; throws for anything not on the allow-list.</summary>
    object ResolveGlobal(string module, string name);

    /// <summary>REDUCE: calls <paramref name="callable"/> (a resolved global) with <paramref name="arguments"/>.</summary>
    object? Reduce(object callable, object?[] arguments);

    /// <summary>BUILD: applies <paramref name="state"/> to <paramref name="target"/>.</summary>
    void Build(object? target, object? state);

    /// <summary>BINPERSID: the object a persistent id stands for.</summary>
    object PersistentLoad(object? persistentId);
}
