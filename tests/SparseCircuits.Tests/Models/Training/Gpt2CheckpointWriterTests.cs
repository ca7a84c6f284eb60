using System.Text.Json;
using SparseCircuits.Models;
using SparseCircuits.Models.Saving;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.Dictionaries;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models.Training;

/// <summary>
/// The GPT-2 writer against a checkpoint Hugging Face wrote: loading the tiny_gpt2 fixture (save_pretrained output)
/// and writing it again must give the same tensor names, shapes and values, and a config that reads back the same.
/// </summary>
public class Gpt2CheckpointWriterTests
{
    [SharedFact]
    public void RewritingTheHuggingFaceFixtureGivesItsTensorsBack()
    {
        using var folder = new TempFolder();
        var model = Fixtures.Model("tiny_gpt2");
        Gpt2CheckpointWriter.Write(folder.Path, model);

        using var original = CheckpointTensors.OpenFolder(Fixtures.ModelDir("tiny_gpt2"));
        using var written = CheckpointTensors.OpenFolder(folder.Path);
        Assert.Equal(original.Names.Order(StringComparer.Ordinal), written.Names.Order(StringComparer.Ordinal));
        foreach (var name in original.Names)
        {
            var expected = original.ReadTensor(name);
            var actual = written.ReadTensor(name);
            Assert.True(expected.SameShape(actual), $"{name}: {actual} vs {expected}");
            Assert.True(expected.Span.SequenceEqual(actual.Span), $"{name}: values differ");
        }
    }

    [SharedFact]
    public void WrittenConfigReadsBackAsTheSameModelConfig()
    {
        using var folder = new TempFolder();
        var model = Fixtures.Model("tiny_gpt2");
        Gpt2CheckpointWriter.Write(folder.Path, model);
        var reread = HfConfigReader.Read(Path.Combine(folder.Path, "config.json"));
        Assert.Equal(model.Config with { Source = "" }, reread with { Source = "" });
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder.Path, "config.json")));
        Assert.Equal("gpt2", doc.RootElement.GetProperty("model_type").GetString());
        Assert.Equal("GPT2LMHeadModel", doc.RootElement.GetProperty("architectures")[0].GetString());
    }

    [Fact]
    public void RefusesModelsThatAreNotPlainGpt2()
    {
        var neox = RandomWeights.Create(RandomWeights.Pythia70mConfig with { DModel = 16, HeadDim = 4, Heads = 4, KvHeads = 4, DMlp = 32, VocabSize = 11, Layers = 1, RotaryDim = 2 }, 1);
        using var folder = new TempFolder();
        Assert.Throws<ArgumentException>(() => Gpt2CheckpointWriter.Write(folder.Path, neox));
    }
}
