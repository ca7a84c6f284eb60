namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// Forward hooks keyed by hook-point name: read an activation, or replace it with another tensor of the same shape
/// (which may carry its own recorded graph, e.g. a dictionary splice). Hooks at one name run in the order added.
/// </summary>
public sealed class ForwardHooks
{
    private readonly Dictionary<string, List<Func<Tensor, Tensor>>> hooks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> substitutes = new(StringComparer.Ordinal);

    public ForwardHooks Read(string name, Action<Tensor> read) => Add(name, x => { read(x); return x; });

    public ForwardHooks Replace(string name, Func<Tensor, Tensor> replace) => Add(name, x =>
    {
        var r = replace(x);
        if (!r.SameShape(x)) throw new InvalidOperationException($"Forward hook at '{name}' returned {r} for an activation {x}.");
        return r;
    });

    /// <summary>
    /// Replaces the activation with <paramref name="value"/> whatever it would have been, so a model may skip computing
    /// it (<see cref="TrySubstitute"/>): the same result as <see cref="Replace"/> with a function ignoring its input, without
    /// the work. Must be the first hook at <paramref name="name"/>.
    /// </summary>
    public ForwardHooks Substitute(string name, Tensor value)
    {
        if (hooks.ContainsKey(name)) throw new InvalidOperationException($"A substitute at '{name}' must come before any other hook there.");
        substitutes[name] = value;
        return Replace(name, _ => value);
    }

    /// <summary>The value substituted at <paramref name="name"/>, if any: the activation need not be computed.</summary>
    public bool TrySubstitute(string name, out Tensor value) => substitutes.TryGetValue(name, out value!);

    public bool Has(string name) => hooks.ContainsKey(name);

    public IEnumerable<string> Names => hooks.Keys;

    private ForwardHooks Add(string name, Func<Tensor, Tensor> hook)
    {
        if (!hooks.TryGetValue(name, out var list)) hooks[name] = list = new();
        list.Add(hook);
        return this;
    }

    internal Tensor Apply(string name, Tensor x)
    {
        if (!hooks.TryGetValue(name, out var list)) return x;
        foreach (var h in list) x = h(x);
        return x;
    }
}
