using System.Text.Json;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>A trained dictionary saved as a SAELens folder reads back (with the project's reader) as the same function,
/// and its cfg.json records the model, the sites and the training settings.</summary>
public class TrainedDictionaryWriterTests
{
    [Theory]
    [InlineData("topk")]
    [InlineData("jumprelu")]
    public void SavedFolderReadsBackAndRecordsTheSettings(string architecture)
    {
        var data = new PlantedDictionary(12, 16, rows: 1024, meanActive: 2, seed: 2);
        var arch = SaeArchitectureNames.Parse(architecture);
        var options = new SaeTrainingOptions { Architecture = arch, Width = 32, K = 3, BatchSize = 128, Tokens = 128 * 20, InitializationRows = 256, Seed = 6 };
        var info = new DictionaryInfo(arch.CliName(), Site.ResidPost(1), Site.ResidPost(1), "test");
        var result = new SaeTrainer(options).Train(new MatrixActivationSource(data.Rows), info);

        using var temp = new TempFolder();
        var folder = Path.Combine(temp.Path, "resid_1");
        TrainedDictionaryWriter.Write(folder, result, new TrainingProvenance("models/tiny", ["a.txt", "b.jsonl"], 64, true, 4096));

        var read = DictionaryLoader.Load(folder);
        Assert.Equal(Site.ResidPost(1), read.Info.OutputSite);
        var x = data.Rows.SliceRows(0, 50);
        var expected = result.Parameters.Encode(x);
        GradCheck.AssertClose(expected.ToArray(), read.EncodeSparse(x).ToDense().ToArray(), 1e-6, "features after reading back");

        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SaeLensFormat.ConfigFile)));
        var root = cfg.RootElement;
        Assert.Equal("models/tiny", root.GetProperty("model_name").GetString());
        Assert.Equal("blocks.1.hook_resid_post", root.GetProperty("hook_name").GetString());
        Assert.Equal("none", root.GetProperty("normalize_activations").GetString());
        var training = root.GetProperty("training");
        Assert.Equal(architecture, training.GetProperty("architecture").GetString());
        Assert.Equal("resid_1", training.GetProperty("site").GetString());
        Assert.Equal(32, training.GetProperty("width").GetInt32());
        Assert.Equal(128 * 20, training.GetProperty("tokens").GetInt64());
        Assert.Equal(6, training.GetProperty("seed").GetInt32());
        Assert.Equal(["a.txt", "b.jsonl"], training.GetProperty("corpus").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(result.InputScale, training.GetProperty("input_scale").GetSingle());
        Assert.True(training.GetProperty("scale_folded_into_weights").GetBoolean());
    }
}
