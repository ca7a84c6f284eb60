using System.Text.Json;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// One name → tensor view over a Hugging Face model folder, whichever way its weights are stored:
/// <c>model.safetensors</c>, sharded <c>model.safetensors.index.json</c> (its <c>weight_map</c> sends each name to a
/// shard), <c>pytorch_model.bin</c>, or sharded <c>pytorch_model.bin.index.json</c> — looked for in that order.
/// Float32 safetensors tensors come without a copy (<see cref="GetTensor"/>).
/// </summary>
public sealed class CheckpointTensors : IDisposable
{
    private static readonly string[] Layouts =
        ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"];

    private readonly List<ITensorFile> files;
    private readonly Dictionary<string, ITensorFile> owner;
    private readonly string[] names;

    private CheckpointTensors(string source, List<ITensorFile> files, List<KeyValuePair<string, ITensorFile>> map)
    {
        Source = source;
        this.files = files;
        owner = map.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        names = map.Select(e => e.Key).ToArray();
    }

    /// <summary>The file the weights were found in (the index file for sharded checkpoints).</summary>
    public string Source { get; }

    public IReadOnlyList<string> Names => names;

    public IReadOnlyList<string> Files => files.Select(f => f.Path).ToArray();

    public static CheckpointTensors OpenFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw SfcInputException.ForFile(folder, "model folder not found");
        foreach (var layout in Layouts)
        {
            var path = System.IO.Path.Combine(folder, layout);
            if (File.Exists(path)) return layout.EndsWith(".index.json", StringComparison.Ordinal) ? OpenIndex(path) : OpenFile(path);
        }
        throw SfcInputException.ForFile(folder, $"no model weights: none of {string.Join(", ", Layouts)}");
    }

    /// <summary>A single weights file: .safetensors, or a PyTorch zip (.bin/.pt/.pth).</summary>
    public static CheckpointTensors OpenFile(string path)
    {
        var file = OpenTensorFile(path);
        return new CheckpointTensors(path, [file], file.Names.Select(n => new KeyValuePair<string, ITensorFile>(n, file)).ToList());
    }

    public static ITensorFile OpenTensorFile(string path) =>
        path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafetensorsFile.Open(path) : TorchZipFile.Open(path);

    /// <summary>A sharded checkpoint: <c>{"weight_map": {name: shard file}}</c>, shards in the index's folder.</summary>
    public static CheckpointTensors OpenIndex(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        var shards = new Dictionary<string, ITensorFile>(StringComparer.Ordinal);
        try
        {
            var map = new List<KeyValuePair<string, ITensorFile>>();
            foreach (var (name, shard) in weightMap)
            {
                if (!shards.TryGetValue(shard, out var file))
                {
                    var shardPath = System.IO.Path.Combine(folder, shard);
                    if (!File.Exists(shardPath)) throw SfcInputException.ForFile(indexPath, $"shard '{shard}' (for '{name}') not found");
                    shards[shard] = file = OpenTensorFile(shardPath);
                }
                if (!file.Contains(name)) throw SfcInputException.ForFile(indexPath, $"weight_map puts '{name}' in '{shard}', which has no such tensor");
                map.Add(new(name, file));
            }
            return new CheckpointTensors(indexPath, shards.Values.ToList(), map);
        }
        catch
        {
            foreach (var file in shards.Values) file.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => owner.ContainsKey(name);

    public StoredTensorInfo Info(string name) => FileHolding(name).Info(name);

    /// <inheritdoc cref="ITensorFile.GetTensor"/>
    public Tensor GetTensor(string name) => FileHolding(name).GetTensor(name);

    /// <inheritdoc cref="ITensorFile.ReadTensor"/>
    public Tensor ReadTensor(string name) => FileHolding(name).ReadTensor(name);

    /// <inheritdoc cref="ITensorFile.ReadInt64"/>
    public long[] ReadInt64(string name) => FileHolding(name).ReadInt64(name);

    /// <summary>The path of the file holding <paramref name="name"/>.</summary>
    public string FileOf(string name) => FileHolding(name).Path;

    public void Dispose()
    {
        foreach (var file in files) file.Dispose();
    }

    private ITensorFile FileHolding(string name) =>
        owner.TryGetValue(name, out var file) ? file : throw SfcInputException.ForFile(Source, $"no tensor named '{name}'");

    private static List<KeyValuePair<string, string>> ReadWeightMap(string indexPath)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(System.IO.File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw SfcInputException.ForFile(indexPath, $"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var weightMap)
                || weightMap.ValueKind != JsonValueKind.Object)
                throw SfcInputException.ForFile(indexPath, "has no \"weight_map\" object");
            var map = new List<KeyValuePair<string, string>>();
            foreach (var entry in weightMap.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw SfcInputException.ForFile(indexPath, $"weight_map entry '{entry.Name}' is not a file name");
                var shard = entry.Value.GetString()!;
                if (shard.Length == 0 || System.IO.Path.IsPathRooted(shard) || shard.Contains('/') || shard.Contains('\\'))
                    throw SfcInputException.ForFile(indexPath, $"weight_map entry '{entry.Name}' names '{shard}', not a file beside the index");
                map.Add(new(entry.Name, shard));
            }
            return map;
        }
    }
}
