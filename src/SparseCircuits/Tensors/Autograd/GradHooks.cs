namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// Gradient hooks for one backward pass, keyed by the names of hook points (<see cref="HookPoint"/>). At a named point
/// the hooks run in the order they were added, on the complete gradient arriving there ([K, *shape]):
/// <see cref="Read"/> observes it, <see cref="Replace"/> substitutes another (straight-through), and
/// <see cref="Stop"/> ends it so nothing flows further down from that point.
/// </summary>
public sealed class GradHooks
{
    private readonly Dictionary<string, List<Func<Tensor, Tensor?>>> hooks = new(StringComparer.Ordinal);

    public GradHooks Read(string name, Action<Tensor> read) =>
        Add(name, g => { read(g); return g; });

    public GradHooks Replace(string name, Func<Tensor, Tensor> replace) => Add(name, g =>
    {
        var r = replace(g);
        if (r.Length != g.Length) throw new InvalidOperationException($"Gradient hook at '{name}' returned {r} for a gradient {g}.");
        return r;
    });

    public GradHooks Stop(string name) => Add(name, _ => null);

    public GradHooks Stop(IEnumerable<string> names)
    {
        foreach (var n in names) Stop(n);
        return this;
    }

    public bool Has(string name) => hooks.ContainsKey(name);

    private GradHooks Add(string name, Func<Tensor, Tensor?> hook)
    {
        if (!hooks.TryGetValue(name, out var list)) hooks[name] = list = new();
        list.Add(hook);
        return this;
    }

    internal Tensor? Apply(string name, Tensor grad)
    {
        if (!hooks.TryGetValue(name, out var list)) return grad;
        Tensor? g = grad;
        foreach (var h in list)
        {
            g = h(g);
            if (g is null) return null;
        }
        return g;
    }
}
