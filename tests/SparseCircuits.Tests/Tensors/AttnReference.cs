using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

/// <summary>Reads the PyTorch reference cases written by tools/make_op_references_attn.py
/// (TestData/ops/attn_*.json: cases of named tensors {shape, data}, integer lists and scalars).</summary>
internal sealed class AttnReference
{
    private static readonly Dictionary<string, JsonDocument> Files = new();
    private readonly JsonElement root;

    private AttnReference(JsonElement root) => this.root = root;

    public static AttnReference Case(string file, string name)
    {
        JsonDocument doc;
        lock (Files)
        {
            if (!Files.TryGetValue(file, out doc!))
                Files[file] = doc = JsonDocument.Parse(File.ReadAllText(Paths.TestData("ops", file)));
        }
        return new AttnReference(doc.RootElement.GetProperty("cases").GetProperty(name));
    }

    public Tensor Tensor(string name)
    {
        var t = root.GetProperty(name);
        var shape = t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var data = t.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return SparseCircuits.Tensors.Tensor.FromArray(data, shape);
    }

    public int[] Ints(string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public int Int(string name) => root.GetProperty(name).GetInt32();

    public double Number(string name) => root.GetProperty(name).GetDouble();

    public string String(string name) => root.GetProperty(name).GetString()!;
}
