using System.Text.Json;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>The fixture models, dictionaries and data the PyTorch results in ../shared/fixtures/results were made from.</summary>
internal static class AttributionFixture
{
    public const int BatchSize = 8;

    public static Transformer Model(string arch) => Fixtures.Model(arch);

    public static DictionarySet Dictionaries(string arch, Transformer model, string folder = "dictionaries") =>
        DictionarySet.Load(Paths.SharedPath("fixtures", arch, folder), model.Config);

    /// <summary>The 16 examples of data.jsonl in file order (the results were computed without shuffling).</summary>
    public static IReadOnlyList<PromptExample> Examples(string arch) =>
        ExampleLoader.Load(Paths.SharedPath("fixtures", arch, "data.jsonl"), null, new ExampleLoadOptions { Count = null, Shuffle = false }).Examples;

    public static IReadOnlyList<BatchAttribution> Run(string arch, AttributionOptions options, string dictionaries = "dictionaries", int batchSize = BatchSize)
    {
        var model = Model(arch);
        var dicts = Dictionaries(arch, model, dictionaries);
        return ExampleBatches.Split(Examples(arch), batchSize).Select(b => NodeAttributor.Attribute(model, dicts, b, options)).ToList();
    }

    public static JsonDocument Result(string name) =>
        JsonDocument.Parse(File.ReadAllText(Paths.SharedPath("fixtures", "results", name)));

    public static string ResultPath(string name) => Paths.SharedPath("fixtures", "results", name);

    /// <summary>Per-example effects of a site over all batches, [N·S·(F+1)] flattened.</summary>
    public static float[] Effects(IReadOnlyList<BatchAttribution> batches, Site site) =>
        batches.SelectMany(b => b.Sites[site].Effects.ToArray()).ToArray();

    /// <summary>A JSON array of numbers.</summary>
    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
}
