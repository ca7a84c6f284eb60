using System.Text.Json;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.Circuits.Attribution;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>
/// The fixture models, dictionaries and data, and circuits made from the node effects the PyTorch reference
/// implementation saved in ../shared/fixtures/results (whose faithfulness rows are what the sweep must reproduce).
/// </summary>
internal static class EvaluationFixture
{
    public static Transformer Model(string arch) => Fixtures.Model(arch);

    /// <summary>A dictionary folder of the fixture, or identity dictionaries at every site for "neurons".</summary>
    public static DictionarySet Dictionaries(string arch, Transformer model, string folder = "dictionaries") =>
        folder == DictionarySet.NeuronsName ? DictionarySet.Identity(model.Config) : AttributionFixture.Dictionaries(arch, model, folder);

    public static IReadOnlyList<PromptExample> Examples(string arch) => AttributionFixture.Examples(arch);

    public static string DataPath(string arch) => Paths.SharedPath("fixtures", arch, "data.jsonl");

    /// <summary>The reference's aggregation-"none" IG circuit: nodes.{site} [6, 129] from the results safetensors.</summary>
    public static Circuit PositionalCircuit(string arch)
    {
        using var json = AttributionFixture.Result($"{arch}_ig_none_edges.json");
        var sites = json.RootElement.GetProperty("sites").EnumerateArray().Select(s => s.GetString()!).ToArray();
        using var file = SafetensorsFile.Open(AttributionFixture.ResultPath($"{arch}_ig_none.safetensors"));
        var nodes = sites.Select(s => new NodeEffects(s, file.ReadTensor($"nodes.{s}"))).ToList();
        return new Circuit(Metadata(CircuitVocabulary.None, arch), nodes, []);
    }

    /// <summary>The reference's JumpReLU "sum" IG circuit, from the dense node effects in its JSON.</summary>
    public static Circuit SummedJumpReluCircuit(string arch)
    {
        using var json = AttributionFixture.Result($"{arch}_jumprelu_ig_sum_edges.json");
        var root = json.RootElement;
        var nodes = root.GetProperty("sites").EnumerateArray().Select(s => s.GetString()!).Select(s =>
        {
            var dense = AttributionFixture.Floats(root.GetProperty("nodes").GetProperty(s).GetProperty("dense"));
            return new NodeEffects(s, Tensor.FromArray(dense, dense.Length));
        }).ToList();
        return new Circuit(Metadata(CircuitVocabulary.Sum, arch), nodes, []);
    }

    /// <summary>The "faithfulness" object of a results file.</summary>
    public static JsonElement Faithfulness(JsonDocument results) => results.RootElement.GetProperty("faithfulness");

    private static CircuitMetadata Metadata(string aggregation, string arch) => new()
    {
        Model = arch,
        Dictionaries = "dictionaries",
        Data = "data.jsonl",
        Method = CircuitVocabulary.IntegratedGradients,
        Steps = 10,
        Aggregation = aggregation,
        NodeThreshold = 0.1,
        EdgeThreshold = 0.01,
        Examples = 16,
        Metric = new CircuitMetric(0, 0),
    };
}
