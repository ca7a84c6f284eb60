namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// The allow-list for PyTorch state-dict pickles: <c>collections.OrderedDict</c>, the tensor and parameter rebuild
/// functions of <c>torch._utils</c>, and the typed storage classes (only as tags inside persistent ids). Every other
/// global — <c>os.system</c>, <c>builtins.eval</c>, numpy, any class — is refused when the pickle names it, before
/// anything could call it.
/// </summary>
internal sealed class TorchPickleResolver(string path) : IPickleResolver
{
    private enum Kind { OrderedDict, RebuildTensor, RebuildParameter, StorageType }

    private sealed record Global(string Module, string Name, Kind Kind, StoredDType StorageDType = default)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private static readonly Dictionary<string, StoredDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = StoredDType.F32,
        ["DoubleStorage"] = StoredDType.F64,
        ["HalfStorage"] = StoredDType.F16,
        ["BFloat16Storage"] = StoredDType.BF16,
        ["LongStorage"] = StoredDType.I64,
        ["IntStorage"] = StoredDType.I32,
        ["ShortStorage"] = StoredDType.I16,
        ["CharStorage"] = StoredDType.I8,
        ["ByteStorage"] = StoredDType.U8,
        ["BoolStorage"] = StoredDType.Bool,
    };

    private readonly Dictionary<string, TorchStorage> storages = new(StringComparer.Ordinal);

    /// <summary>Every storage the pickle referred to, by key.</summary>
    public IReadOnlyDictionary<string, TorchStorage> Storages => storages;

    public object ResolveGlobal(string module, string name)
    {
        switch (module, name)
        {
            case ("collections", "OrderedDict"): return new Global(module, name, Kind.OrderedDict);
            case ("torch._utils", "_rebuild_tensor_v2"): return new Global(module, name, Kind.RebuildTensor);
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"): return new Global(module, name, Kind.RebuildParameter);
        }
        if (module == "torch" && StorageTypes.TryGetValue(name, out var dtype)) return new Global(module, name, Kind.StorageType, dtype);
        if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            throw SfcInputException.ForFile(path, $"unsupported tensor storage type 'torch.{name}' (supported: {string.Join(", ", StorageTypes.Keys)})");
        throw Refuse($"{module}.{name}");
    }

    public object? Reduce(object callable, object?[] arguments)
    {
        if (callable is not Global global) throw Malformed($"REDUCE calls a {PickleMachine.Describe(callable)}");
        return global.Kind switch
        {
            Kind.OrderedDict => NewOrderedDict(arguments),
            Kind.RebuildTensor => RebuildTensor(arguments),
            Kind.RebuildParameter => RebuildParameter(global, arguments),
            _ => throw Refuse(global.ToString(), "call"),
        };
    }

    /// <summary>BUILD is accepted only on a dict, with no state or just the <c>_metadata</c> attribute that
    /// <c>Module.state_dict()</c> attaches (version numbers, which carry no weights).</summary>
    public void Build(object? target, object? state)
    {
        if (target is not PickleDict) throw Malformed($"BUILD on a {PickleMachine.Describe(target)}; only dict state is allowed");
        foreach (var part in state is object?[] { Length: 2 } pair ? pair : new[] { state })
        {
            if (part is null) continue;
            if (part is not PickleDict attributes) throw Malformed($"BUILD state is a {PickleMachine.Describe(part)}");
            foreach (var (key, _) in attributes.Items)
                if (key is not "_metadata")
                    throw SfcInputException.ForFile(path, $"pickle sets attribute '{key}' on a dict (only tensor state dicts are allowed)");
        }
    }

    public object PersistentLoad(object? persistentId)
    {
        if (persistentId is not object?[] { Length: 5 } id || id[0] is not "storage")
            throw Malformed("persistent id is not ('storage', type, key, location, size)");
        if (id[1] is not Global { Kind: Kind.StorageType } type) throw Malformed($"persistent id names a {PickleMachine.Describe(id[1])} as its storage type");
        if (id[2] is not string key) throw Malformed("persistent id key is not a string");
        if (id[4] is not long count || count < 0) throw Malformed($"persistent id of storage '{key}' has no valid size");
        var storage = new TorchStorage(type.StorageDType, key, count);
        if (storages.TryGetValue(key, out var known))
        {
            if (known != storage) throw Malformed($"storage '{key}' is described twice, differently");
            return known;
        }
        storages[key] = storage;
        return storage;
    }

    private PickleDict NewOrderedDict(object?[] arguments)
    {
        var dict = new PickleDict();
        if (arguments.Length == 0) return dict;
        if (arguments is [List<object?> pairs])
        {
            foreach (var pair in pairs)
            {
                if (pair is not (object?[] or List<object?>)) throw Malformed("OrderedDict item is not a pair");
                var kv = pair as object?[] ?? ((List<object?>)pair!).ToArray();
                if (kv is not [string or long, _]) throw Malformed("OrderedDict item is not a (key, value) pair");
                dict.Set(kv[0]!, kv[1]);
            }
            return dict;
        }
        throw Malformed("OrderedDict called with unexpected arguments");
    }

    /// <summary><c>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])</c>.</summary>
    private TorchStoredTensor RebuildTensor(object?[] a)
    {
        if (a.Length is not (6 or 7)) throw Malformed($"_rebuild_tensor_v2 called with {a.Length} arguments");
        if (a[0] is not TorchStorage storage) throw Malformed($"_rebuild_tensor_v2 storage is a {PickleMachine.Describe(a[0])}");
        if (a[1] is not long offset || offset < 0) throw Malformed("_rebuild_tensor_v2 storage offset is not a non-negative int");
        if (a[2] is not object?[] sizes || a[3] is not object?[] strides || sizes.Length != strides.Length)
            throw Malformed("_rebuild_tensor_v2 size and stride are not tuples of the same length");
        if (a[5] is not PickleDict { Count: 0 }) throw Malformed("_rebuild_tensor_v2 has backward hooks");
        var shape = new int[sizes.Length];
        var stride = new long[sizes.Length];
        for (int d = 0; d < sizes.Length; d++)
        {
            if (sizes[d] is not long size || size is < 0 or > int.MaxValue) throw Malformed($"tensor size {Render(sizes)} is not a tuple of non-negative ints");
            if (strides[d] is not long step || step < 0) throw Malformed($"tensor stride {Render(strides)} is not a tuple of non-negative ints");
            shape[d] = (int)size;
            stride[d] = step;
        }
        var tensor = new TorchStoredTensor(storage, offset, shape, stride);
        long extent;
        try
        {
            extent = tensor.Extent;
        }
        catch (OverflowException)
        {
            extent = long.MaxValue;
        }
        if (extent > storage.ElementCount)
            throw SfcInputException.ForFile(path,
                $"tensor view (offset {offset}, size {Render(sizes)}, stride {Render(strides)}) reaches element {extent - 1} of storage '{storage.Key}' which holds {storage.ElementCount}");
        return tensor;
    }

    /// <summary><c>_rebuild_parameter(data, requires_grad, backward_hooks[, state])</c>: the parameter is its data.</summary>
    private TorchStoredTensor RebuildParameter(Global global, object?[] a)
    {
        if (a.Length is not (3 or 4) || a[0] is not TorchStoredTensor tensor) throw Malformed($"{global} is not applied to a tensor");
        return tensor;
    }

    private static string Render(object?[] values) => "(" + string.Join(", ", values) + ")";

    private SfcInputException Refuse(string global, string verb = "load") =>
        SfcInputException.ForFile(path, $"refuses to {verb} pickle global '{global}' (only tensor state dicts are allowed)");

    private SfcInputException Malformed(string problem) => SfcInputException.ForFile(path, $"malformed PyTorch pickle: {problem}");
}
