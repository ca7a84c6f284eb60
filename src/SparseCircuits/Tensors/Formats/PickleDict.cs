namespace SparseCircuits.Tensors.Formats;

/// <summary>A Python dict (or OrderedDict) read from a pickle: keys and values in insertion order.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> items = new();
    private readonly Dictionary<object, int> index = new();

    public IReadOnlyList<KeyValuePair<object, object?>> Items => items;

    public int Count => items.Count;

    public void Set(object key, object? value)
    {
        if (index.TryGetValue(key, out int at)) items[at] = new(key, value);
        else
        {
            index[key] = items.Count;
            items.Add(new(key, value));
        }
    }

    public bool TryGet(object key, out object? value)
    {
        if (index.TryGetValue(key, out int at))
        {
            value = items[at].Value;
            return true;
        }
        value = null;
        return false;
    }
}
