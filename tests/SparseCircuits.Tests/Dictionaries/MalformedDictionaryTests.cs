using System.Text.Json.Nodes;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>Each kind of malformed dictionary gives one <see cref="SfcInputException"/> whose message names the file (or
/// folder) and says what is wrong.</summary>
public class MalformedDictionaryTests
{
    private static readonly string Root = Paths.TestData("dictionaries");

    [Theory]
    [InlineData("bad_shape", "tensor 'decoder.weight' has shape [8, 25], expected [8, 24]")]
    [InlineData("bad_missing_key", "missing tensor 'encoder.bias'")]
    [InlineData("bad_nan", "tensor 'encoder.weight' [24, 8] holds NaN at [2, 3]")]
    [InlineData("bad_not_a_dictionary", "not a dictionary_learning state dict")]
    public void DictionaryLearningFiles(string folder, string problem)
    {
        var path = Path.Combine(Root, folder);
        var e = Assert.Throws<SfcInputException>(() => DictionaryLoader.Load(path, Site.ResidPost(0)));
        Assert.Contains(Path.Combine(path, "ae.pt"), e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("evil_os_system.pt", "posix.system")]
    [InlineData("evil_eval.pt", "__builtin__.eval")]
    public void PickleThatWouldRunCode(string evil, string global)
    {
        using var temp = new TempFolder();
        var folder = temp.Sub("resid_0");
        Directory.CreateDirectory(folder);
        File.Copy(Paths.TestData("formats", evil), Path.Combine(folder, "ae.pt"));
        var e = Assert.Throws<SfcInputException>(() => DictionaryLoader.Load(folder));
        Assert.Contains(Path.Combine(folder, "ae.pt"), e.Message);
        Assert.Contains(global, e.Message);
    }

    public static TheoryData<string, string, string> ConfigEdits() => new()
    {
        { "d_in", "delete", "missing field 'd_in'" },
        { "d_sae", "\"many\"", "field 'd_sae' should be a positive integer" },
        { "hook_name", "\"blocks.1.hook_nowhere\"", "hook_name 'blocks.1.hook_nowhere' is not a known site" },
        { "hook_name", "delete", "missing field 'hook_name'" },
        { "architecture", "\"matryoshka\"", "architecture 'matryoshka' is not supported" },
        { "normalize_activations", "\"expected_average_only_in\"", "field 'normalize_activations' = \"expected_average_only_in\" is not supported" },
        { "finetuning_scaling_factor", "true", "field 'finetuning_scaling_factor' = true is not supported" },
        { "hook_head_index", "3", "per-head dictionaries are not supported" },
        { "d_in", "9", "tensor 'W_enc' has shape [8, 24], expected [9, 24]" },
    };

    [Theory]
    [MemberData(nameof(ConfigEdits))]
    public void SaeLensConfigs(string field, string value, string problem)
    {
        using var temp = new TempFolder();
        CopyFolder(Path.Combine(Root, "saelens_gated"), temp.Path);
        var cfgPath = Path.Combine(temp.Path, "cfg.json");
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        if (value == "delete") cfg.Remove(field);
        else cfg[field] = JsonNode.Parse(value);
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        var e = Assert.Throws<SfcInputException>(() => DictionaryLoader.Load(temp.Path));
        Assert.Contains(problem, e.Message);
        Assert.Contains(temp.Path, e.Message);
    }

    [Fact]
    public void SaeLensConfigThatIsNotJson()
    {
        using var temp = new TempFolder();
        CopyFolder(Path.Combine(Root, "saelens_gated"), temp.Path);
        File.WriteAllText(Path.Combine(temp.Path, "cfg.json"), "{\"d_in\": 8,");
        var e = Assert.Throws<SfcInputException>(() => DictionaryLoader.Load(temp.Path));
        Assert.StartsWith(Path.Combine(temp.Path, "cfg.json") + ": not valid JSON", e.Message);
    }

    public static TheoryData<string, string> WeightEdits() => new()
    {
        { "b_gate", "missing tensor 'b_gate'" },
        { "W_dec:shape", "tensor 'W_dec' has shape [24, 7], expected [24, 8]" },
        { "W_dec:nan", "tensor 'W_dec' [24, 8] holds NaN at [5, 1]" },
        { "r_mag:inf", "tensor 'r_mag' [24] holds +inf at [4]" },
        { "scaling_factor", "tensor 'scaling_factor' is not all ones" },
    };

    [Theory]
    [MemberData(nameof(WeightEdits))]
    public void SaeLensWeights(string edit, string problem)
    {
        using var temp = new TempFolder();
        CopyFolder(Path.Combine(Root, "saelens_gated"), temp.Path);
        var path = Path.Combine(temp.Path, "sae_weights.safetensors");
        var tensors = SafetensorsFile.LoadAll(path).ToDictionary(t => t.Key, t => t.Value);
        var (name, how) = edit.Contains(':') ? (edit.Split(':')[0], edit.Split(':')[1]) : (edit, "");
        switch (how)
        {
            case "" when name == "scaling_factor":
                tensors[name] = Tensor.Full(2f, 24);
                break;
            case "":
                tensors.Remove(name);
                break;
            case "shape":
                tensors[name] = Tensor.Zeros(24, 7);
                break;
            case "nan":
                tensors[name].Span[5 * 8 + 1] = float.NaN;
                break;
            case "inf":
                tensors[name].Span[4] = float.PositiveInfinity;
                break;
        }
        SafetensorsWriter.Write(path, tensors);
        var e = Assert.Throws<SfcInputException>(() => DictionaryLoader.Load(temp.Path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void SaeLensFolderWithoutWeights()
    {
        using var temp = new TempFolder();
        File.Copy(Path.Combine(Root, "saelens_gated", "cfg.json"), Path.Combine(temp.Path, "cfg.json"));
        var e = Assert.Throws<SfcInputException>(() => DictionaryLoader.Load(temp.Path));
        Assert.StartsWith(Path.Combine(temp.Path, "sae_weights.safetensors") + ": file not found", e.Message);
    }

    [SharedFact]
    public void DictionaryWhoseInputDoesNotMatchTheModel()
    {
        var llama = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir("tiny_llama"), "config.json"));
        var gpt2Set = Path.Combine(Fixtures.ModelDir("tiny_gpt2"), "dictionaries");
        var e = Assert.Throws<SfcInputException>(() => DictionarySet.Load(gpt2Set, llama));
        Assert.Contains(Path.Combine(gpt2Set, "attn_0"), e.Message);
        Assert.Contains("d_in = 48 does not match the model's d_model = 32", e.Message);
    }

    [SharedFact]
    public void DictionaryForALayerTheModelLacks()
    {
        var config = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir("tiny_gpt_neox"), "config.json"));
        using var temp = new TempFolder();
        CopyFolder(Path.Combine(Fixtures.ModelDir("tiny_gpt_neox"), "dictionaries", "mlp_1"), temp.Sub("mlp_out_layer7"));
        var e = Assert.Throws<SfcInputException>(() => DictionarySet.Load(temp.Path, config));
        Assert.Contains(temp.Sub("mlp_out_layer7"), e.Message);
        Assert.Contains("site 'mlp_7' does not exist", e.Message);
    }

    [SharedFact]
    public void TwoDictionariesForOneSite()
    {
        var config = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir("tiny_gpt_neox"), "config.json"));
        using var temp = new TempFolder();
        CopyFolder(Path.Combine(Fixtures.ModelDir("tiny_gpt_neox"), "dictionaries", "mlp_1"), temp.Sub("mlp_1"));
        CopyFolder(Path.Combine(Fixtures.ModelDir("tiny_gpt_neox"), "saelens", "mlp_1"), temp.Sub("z_saelens_mlp"));
        var e = Assert.Throws<SfcInputException>(() => DictionarySet.Load(temp.Path, config));
        Assert.Contains("second dictionary for site mlp_1", e.Message);
    }

    [SharedFact]
    public void FolderWithoutDictionaries()
    {
        var config = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir("tiny_gpt_neox"), "config.json"));
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.Sub("notes"));
        var e = Assert.Throws<SfcInputException>(() => DictionarySet.Load(temp.Path, config));
        Assert.StartsWith(temp.Path + ": no dictionaries found", e.Message);
        e = Assert.Throws<SfcInputException>(() => DictionarySet.Load(temp.Sub("absent"), config));
        Assert.StartsWith(temp.Sub("absent") + ": dictionaries folder not found", e.Message);
    }

    internal static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
