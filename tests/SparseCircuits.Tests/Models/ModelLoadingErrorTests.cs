using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>
/// End to end through <see cref="ModelLoader.Load"/>: a copy of a fixture model folder is broken in one way, and loading
/// it must fail with one <see cref="SfcInputException"/> whose message names the file (and the field or tensor) at fault.
/// The format-level details are covered in Tests/Formats; these tests pin what a user of <c>--model</c> sees.
/// </summary>
public class ModelLoadingErrorTests
{
    [SharedFact]
    public void MissingConfigJsonIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        File.Delete(dir.File("config.json"));
        Assert.Equal($"{dir.File("config.json")}: model config not found", LoadError(dir.Path));
    }

    [SharedFact]
    public void ConfigThatIsNotJsonIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        File.WriteAllText(dir.File("config.json"), "{\"model_type\": \"gpt2\", ");
        Assert.StartsWith($"{dir.File("config.json")}: not valid JSON", LoadError(dir.Path));
    }

    [SharedTheory]
    [InlineData("tiny_gpt2", "n_embd")]
    [InlineData("tiny_gpt2", "vocab_size")]
    [InlineData("tiny_gpt_neox", "hidden_size")]
    [InlineData("tiny_gpt_neox", "max_position_embeddings")]
    [InlineData("tiny_llama", "hidden_size")]
    [InlineData("tiny_llama", "num_hidden_layers")]
    public void MissingRequiredConfigFieldIsNamed(string arch, string field)
    {
        using var dir = CopyFixture(arch);
        EditConfig(dir, c => Assert.True(c.Remove(field), $"fixture config has no '{field}'"));
        Assert.Equal($"{dir.File("config.json")}: field '{field}': missing", LoadError(dir.Path));
    }

    [SharedFact]
    public void ConfigFieldOfTheWrongTypeIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        EditConfig(dir, c => c["n_layer"] = "two");
        Assert.Equal($"{dir.File("config.json")}: field 'n_layer': expected an integer, found \"two\"", LoadError(dir.Path));
    }

    [SharedFact]
    public void UnknownModelTypeIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        EditConfig(dir, c => c["model_type"] = "bert");
        Assert.Equal($"{dir.File("config.json")}: model_type 'bert' is not supported (supported: gpt2, gpt_neox, llama)", LoadError(dir.Path));
    }

    [SharedFact]
    public void RopeScalingIsRefusedByName()
    {
        using var dir = CopyFixture("tiny_llama");
        EditConfig(dir, c => c["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 2.0 });
        Assert.Equal($"{dir.File("config.json")}: field 'rope_scaling': rotary scaling is not supported", LoadError(dir.Path));
    }

    [SharedTheory]
    [InlineData("tiny_gpt2", "transformer.h.0.ln_1.weight", 48)]
    [InlineData("tiny_llama", "model.layers.1.post_attention_layernorm.weight", 32)]
    public void TensorWithTheWrongShapeIsNamed(string arch, string tensor, int dModel)
    {
        using var dir = CopyFixture(arch);
        RewriteWeights(dir, arch, tensors => tensors[tensor] = Tensor.Zeros(dModel - 1));
        Assert.Equal($"{dir.File("model.safetensors")}: tensor '{tensor}' has shape [{dModel - 1}], expected [{dModel}]", LoadError(dir.Path));
    }

    [SharedTheory]
    [InlineData("tiny_gpt2", "transformer.h.1.mlp.c_proj.bias")]
    [InlineData("tiny_gpt_neox", "gpt_neox.layers.0.attention.query_key_value.weight")]
    [InlineData("tiny_llama", "model.layers.1.self_attn.k_proj.weight")]
    public void MissingTensorIsNamed(string arch, string tensor)
    {
        using var dir = CopyFixture(arch);
        RewriteWeights(dir, arch, tensors => Assert.True(tensors.Remove(tensor)));
        Assert.Equal($"{dir.File("model.safetensors")}: missing tensor '{tensor}'", LoadError(dir.Path));
    }

    [SharedFact]
    public void TruncatedSafetensorsIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        var path = dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var cut = LoadError(dir.Path);
        Assert.StartsWith($"{path}: tensor '", cut);
        Assert.EndsWith("(file truncated?)", cut);

        File.WriteAllBytes(path, bytes[..6]);
        Assert.Equal($"{path}: truncated: 6 bytes, too short for the 8-byte safetensors header length", LoadError(dir.Path));
    }

    [SharedFact]
    public void HeaderThatLiesAboutSizesIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        var path = dir.File("model.safetensors");
        // [48] float32 occupies 192 bytes; claiming [50] needs 200.
        EditHeader(path, h => h["transformer.h.0.ln_1.weight"]!["shape"] = new JsonArray(50));
        Assert.Equal($"{path}: tensor 'transformer.h.0.ln_1.weight': data_offsets {Offsets(path, "transformer.h.0.ln_1.weight")} span 192 bytes but F32 [50] needs 200",
            LoadError(dir.Path));

        var (header, data) = Split(File.ReadAllBytes(Fixtures.ModelDir("tiny_gpt2") + "/model.safetensors"));
        File.WriteAllBytes(path, RawSafetensors.Build(header, data, declaredHeaderLength: (ulong)(header.Length + data.Length + 1)));
        Assert.Contains("runs past the end of the file", LoadError(dir.Path));
        Assert.StartsWith($"{path}: ", LoadError(dir.Path));
    }

    [SharedFact]
    public void UnknownDtypeIsNamed()
    {
        using var dir = CopyFixture("tiny_llama");
        var path = dir.File("model.safetensors");
        EditHeader(path, h => h["model.norm.weight"]!["dtype"] = "Q4_K");
        Assert.Equal($"{path}: tensor 'model.norm.weight': unknown dtype 'Q4_K' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)",
            LoadError(dir.Path));
    }

    [SharedFact]
    public void PickleReachingForOsSystemIsRefused()
    {
        using var dir = CopyFixture("tiny_gpt2");
        File.Delete(dir.File("model.safetensors"));
        var bin = dir.Write("pytorch_model.bin", File.ReadAllBytes(Paths.TestData("formats", "evil_os_system.pt")));
        Assert.Equal($"{bin}: refuses to load pickle global 'posix.system' (only tensor state dicts are allowed)", LoadError(dir.Path));
    }

    [SharedFact]
    public void TruncatedPytorchBinIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        File.Delete(dir.File("model.safetensors"));
        var bytes = File.ReadAllBytes(Paths.TestData("formats", "module_state.pt"));
        var bin = dir.Write("pytorch_model.bin", bytes[..(bytes.Length / 2)]);
        Assert.StartsWith($"{bin}: ", LoadError(dir.Path));
    }

    [SharedFact]
    public void FolderWithoutWeightsIsNamed()
    {
        using var dir = CopyFixture("tiny_gpt2");
        File.Delete(dir.File("model.safetensors"));
        Assert.StartsWith($"{dir.Path}: no model weights", LoadError(dir.Path));
    }

    /// <summary>A legacy llama2.c header (seven int32s) for a 1-layer model, followed by far fewer floats than it needs.</summary>
    [Fact]
    public void TruncatedLlama2cCheckpointIsNamed()
    {
        using var dir = new TempFolder();
        var bytes = new byte[7 * 4 + 10 * 4];
        int[] header = { 8, 16, 1, 2, 2, 5, 4 }; // dim, hidden, layers, heads, kv heads, vocab (> 0: shared classifier), seq
        for (int i = 0; i < header.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), header[i]);
        var path = dir.Write("model.bin", bytes);
        Assert.StartsWith($"{path}: truncated: {bytes.Length} bytes, but a llama2.c v0 checkpoint", LoadError(path));
    }

    [SharedFact]
    public void TruncatedStories260KIsNamed()
    {
        using var dir = new TempFolder();
        var bytes = File.ReadAllBytes(Paths.SharedPath("data", "models", "stories260K", "stories260K.bin"));
        var path = dir.Write("stories260K.bin", bytes[..(bytes.Length - 4096)]);
        Assert.StartsWith($"{path}: truncated: {bytes.Length - 4096} bytes", LoadError(path));
    }

    [Fact]
    public void PathThatIsNeitherFolderNorFileIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sfc-no-such-model-" + Guid.NewGuid().ToString("N"));
        Assert.Equal($"--model: '{missing}' is neither a model folder nor a checkpoint file", LoadError(missing));
    }

    /// <summary>The CLI turns the same error into exit code 2 and exactly one line on stderr, with nothing on stdout.</summary>
    [SharedFact]
    public void SfcRunOnABadModelPrintsOneLineAndExitsWithTwo()
    {
        using var dir = CopyFixture("tiny_llama");
        var path = dir.File("model.safetensors");
        EditHeader(path, h => h["model.norm.weight"]!["dtype"] = "Q4_K");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Sfc.SfcApp.Run(["run", "--model", dir.Path, "--ids", "1,2,3"], stdout, stderr);
        Assert.Equal(Sfc.SfcApp.BadInput, code);
        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal($"sfc: {path}: tensor 'model.norm.weight': unknown dtype 'Q4_K' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)",
            lines[0].TrimEnd('\r'));
    }

    private static string LoadError(string path) => Assert.Throws<SfcInputException>(() => ModelLoader.Load(path)).Message;

    /// <summary>config.json and model.safetensors of a fixture, copied as bytes (the shared files are read-only).</summary>
    private static TempFolder CopyFixture(string arch)
    {
        var dir = new TempFolder();
        foreach (var name in new[] { "config.json", "model.safetensors" })
            dir.Write(name, File.ReadAllBytes(Path.Combine(Fixtures.ModelDir(arch), name)));
        return dir;
    }

    private static void EditConfig(TempFolder dir, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(File.ReadAllText(dir.File("config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(dir.File("config.json"), config.ToJsonString());
    }

    /// <summary>Rewrites the weights file from the fixture's tensors after <paramref name="edit"/>.</summary>
    private static void RewriteWeights(TempFolder dir, string arch, Action<Dictionary<string, Tensor>> edit)
    {
        using var source = SafetensorsFile.Open(Path.Combine(Fixtures.ModelDir(arch), "model.safetensors"));
        var tensors = source.Names.ToDictionary(n => n, source.ReadTensor);
        edit(tensors);
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors);
    }

    /// <summary>Edits the JSON header of a safetensors file, keeping its data bytes as they are.</summary>
    private static void EditHeader(string path, Action<JsonObject> edit)
    {
        var (header, data) = Split(File.ReadAllBytes(path));
        var json = JsonNode.Parse(header)!.AsObject();
        edit(json);
        File.WriteAllBytes(path, RawSafetensors.Build(json.ToJsonString(), data));
    }

    private static (string Header, byte[] Data) Split(byte[] file)
    {
        int n = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        return (Encoding.UTF8.GetString(file, 8, n), file[(8 + n)..]);
    }

    private static string Offsets(string path, string tensor)
    {
        var (header, _) = Split(File.ReadAllBytes(path));
        var offsets = JsonNode.Parse(header)![tensor]!["data_offsets"]!.AsArray();
        return $"[{offsets[0]}, {offsets[1]}]";
    }
}
