using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Formats;

public class CheckpointTensorsTests
{
    [SharedFact]
    public void SingleSafetensorsFolderMapsFloat32Tensors()
    {
        var folder = Paths.SharedPath("fixtures", "tiny_gpt2");
        using var checkpoint = CheckpointTensors.OpenFolder(folder);
        Assert.EndsWith("model.safetensors", checkpoint.Source);
        Assert.Contains("transformer.wte.weight", checkpoint.Names);
        var wte = checkpoint.GetTensor("transformer.wte.weight");
        Assert.Equal([97, 48], wte.ShapeArray); // vocab × d_model from the fixture README
        Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(wte.Storage, out _));
        Assert.Equal(checkpoint.ReadTensor("transformer.wte.weight").ToArray(), wte.ToArray());
        var missing = Assert.Throws<SfcInputException>(() => checkpoint.GetTensor("lm_head.weight"));
        Assert.Contains("no tensor named 'lm_head.weight'", missing.Message);
    }

    /// <summary>Splits a fixture model into two shards with an index, as save_pretrained does for big models;
    /// the sharded view must list the same names with the same values as the original file.</summary>
    [SharedFact]
    public void ShardedSafetensorsIndexGivesOneView()
    {
        var original = Paths.SharedPath("fixtures", "tiny_llama", "model.safetensors");
        using var dir = new TempFolder();
        using var source = SafetensorsFile.Open(original);
        var names = source.Names.ToArray();
        var half = names.Length / 2;
        var shards = new[] { names[..half], names[half..] };
        var weightMap = new Dictionary<string, string>();
        for (int s = 0; s < 2; s++)
        {
            var shardName = $"model-0000{s + 1}-of-00002.safetensors";
            SafetensorsWriter.Write(dir.File(shardName), shards[s].ToDictionary(n => n, source.MapTensor));
            foreach (var n in shards[s]) weightMap[n] = shardName;
        }
        File.WriteAllText(dir.File("model.safetensors.index.json"),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));

        using var checkpoint = CheckpointTensors.OpenFolder(dir.Path);
        Assert.Equal(names.Order(StringComparer.Ordinal), checkpoint.Names.Order(StringComparer.Ordinal));
        Assert.Equal(2, checkpoint.Files.Count);
        foreach (var n in names)
        {
            Assert.Equal(source.ReadTensor(n).ToArray(), checkpoint.GetTensor(n).ToArray());
            Assert.Equal(source.Info(n).Shape, checkpoint.Info(n).Shape);
        }
        Assert.EndsWith("model-00002-of-00002.safetensors", checkpoint.FileOf(names[^1]));
    }

    [Fact]
    public void PytorchModelBinFolderIsRead()
    {
        using var dir = new TempFolder();
        File.Copy(Paths.TestData("formats", "module_state.pt"), dir.File("pytorch_model.bin"));
        using var checkpoint = CheckpointTensors.OpenFolder(dir.Path);
        using var expected = JsonDocument.Parse(File.ReadAllText(Paths.TestData("formats", "module_state.expected.json")));
        Assert.Equal(expected.RootElement.EnumerateObject().Select(p => p.Name), checkpoint.Names);
        var weight = expected.RootElement.GetProperty("0.weight").GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble());
        Assert.Equal(weight, checkpoint.GetTensor("0.weight").ToArray());
    }

    [Fact]
    public void FoldersWithoutWeightsOrWithBrokenIndexesAreInputErrors()
    {
        using var dir = new TempFolder();
        var none = Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(dir.Path));
        Assert.StartsWith(dir.Path + ": no model weights", none.Message);

        var missingFolder = Path.Combine(dir.Path, "absent");
        Assert.Equal($"{missingFolder}: model folder not found", Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(missingFolder)).Message);

        var index = dir.File("model.safetensors.index.json");
        File.WriteAllText(index, """{"weight_map": {"a": "shard.safetensors"}}""");
        Assert.Contains("shard 'shard.safetensors' (for 'a') not found", Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(dir.Path)).Message);

        SafetensorsWriter.Write(dir.File("shard.safetensors"), new Dictionary<string, Tensor> { ["b"] = Tensor.Zeros(1) });
        Assert.Contains("weight_map puts 'a' in 'shard.safetensors', which has no such tensor",
            Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(dir.Path)).Message);

        File.WriteAllText(index, """{"weight_map": {"b": "../elsewhere.safetensors"}}""");
        Assert.Contains("not a file beside the index", Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(dir.Path)).Message);

        File.WriteAllText(index, """{"weights": {}}""");
        Assert.Equal($"{index}: has no \"weight_map\" object", Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(dir.Path)).Message);

        File.WriteAllText(index, "{");
        Assert.StartsWith($"{index}: not valid JSON", Assert.Throws<SfcInputException>(() => CheckpointTensors.OpenFolder(dir.Path)).Message);
    }
}
