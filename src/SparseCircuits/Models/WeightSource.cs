using SparseCircuits.Tensors;

namespace SparseCircuits.Models;

/// <summary>
/// Named tensors of a checkpoint, looked up with shape checks. Names may carry an architecture prefix
/// (<c>transformer.</c>, <c>gpt_neox.</c>, <c>model.</c>) or not, as different exports write them.
/// </summary>
public sealed class WeightSource(string description, IReadOnlyDictionary<string, Func<Tensor>> tensors)
{
    public string Description { get; } = description;

    public IEnumerable<string> Names => tensors.Keys;

    public bool Contains(string name) => tensors.ContainsKey(name);

    /// <summary>The tensor under the first of <paramref name="names"/> present, checked against <paramref name="shape"/>.</summary>
    public Tensor Get(int[] shape, params string[] names) =>
        TryGet(shape, names) ?? throw SfcInputException.ForFile(Description, $"missing tensor '{names[0]}'");

    public Tensor? TryGet(int[] shape, params string[] names)
    {
        foreach (var n in names)
        {
            if (!tensors.TryGetValue(n, out var load)) continue;
            var t = load();
            if (!t.Shape.SequenceEqual(shape))
                throw SfcInputException.ForFile(Description, $"tensor '{n}' has shape {Shapes.Format(t.Shape)}, expected {Shapes.Format(shape)}");
            return t;
        }
        return null;
    }

    /// <summary>Name variants with and without a prefix, the prefixed one first.</summary>
    public static string[] Prefixed(string prefix, string name) => new[] { prefix + name, name };

    public static WeightSource FromTensors(string description, IReadOnlyDictionary<string, Tensor> tensors) =>
        new(description, tensors.ToDictionary(kv => kv.Key, kv => (Func<Tensor>)(() => kv.Value)));
}
