namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// Forward hooks keyed by hook-point name: read an activation, or replace it with another tensor of the same shape
/// (which may carry its own recorded graph, e.g. a dictionary splice). Hooks at one name run in the order added.
/// </summary>
public sealed class ForwardHooks
{
    private readonly Dictionary<string, List<Func<Tensor, Tensor>>> hooks = new(StringComparer.Ordinal);

    public ForwardHooks Read(string name, Action<Tensor> read) => Add(name, x => { read(x); return x; });

    public ForwardHooks Replace(string name, Func<Tensor, Tensor> replace) => Add(name, x =>
    {
        var r = replace(x);
        if (!r.SameShape(x)) throw new InvalidOperationException($"Forward hook at '{name}' returned {r} for an activation {x}.");
        return r;
    });

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
