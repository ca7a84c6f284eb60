using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;
using static SparseCircuits.Tests.Formats.RawSafetensors;

namespace SparseCircuits.Tests.Formats;

public class TorchZipFileTests
{
    private static string Fixture(string name) => Paths.TestData("formats", name);

    /// <summary>Compares every tensor with the values PyTorch itself printed when it saved the file.</summary>
    private static void AssertMatchesExpected(TorchZipFile file, string expectedJson)
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixture(expectedJson)));
        var names = expected.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(names, file.Names);
        foreach (var entry in expected.RootElement.EnumerateObject())
        {
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var dtype = entry.Value.GetProperty("dtype").GetString();
            var values = entry.Value.GetProperty("values");
            Assert.Equal(shape, file.Info(entry.Name).Shape);
            var tensor = file.ReadTensor(entry.Name);
            Assert.Equal(shape, tensor.ShapeArray);
            if (dtype is "int64" or "int32" or "bool")
            {
                var longs = values.EnumerateArray().Select(v => v.GetInt64()).ToArray();
                Assert.Equal(longs, file.ReadInt64(entry.Name));
                Assert.Equal(longs.Select(v => (float)v).ToArray(), tensor.ToArray());
            }
            else
            {
                Assert.Equal(values.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(), tensor.ToArray());
            }
        }
    }

    [Fact]
    public void StridedSlicedExpandedSharedAndConvertedViewsMatchPyTorch()
    {
        using var file = TorchZipFile.Open(Fixture("views.pt"));
        AssertMatchesExpected(file, "views.expected.json");
        Assert.Equal(StoredDType.F16, file.Info("half").DType);
        Assert.Equal(StoredDType.BF16, file.Info("bfloat").DType);
        Assert.Equal(StoredDType.I64, file.Info("long").DType);
        Assert.Equal(StoredDType.Bool, file.Info("bool").DType);
    }

    [Fact]
    public void ModuleStateDictWithMetadataLoads()
    {
        using var file = TorchZipFile.Open(Fixture("module_state.pt"));
        AssertMatchesExpected(file, "module_state.expected.json");
    }

    [Fact]
    public void ParametersAreTheirData()
    {
        using var file = TorchZipFile.Open(Fixture("parameters.pt"));
        AssertMatchesExpected(file, "parameters.expected.json");
    }

    [Fact]
    public void NestedDictsAreFlattenedWithDotsAndOtherValuesSkipped()
    {
        using var file = TorchZipFile.Open(Fixture("nested.pt"));
        AssertMatchesExpected(file, "nested.expected.json");
    }

    [Theory]
    [InlineData("evil_os_system.pt", "posix.system")]
    [InlineData("evil_eval.pt", "__builtin__.eval")] // protocol 2 spells builtins the Python 2 way
    [InlineData("numpy_array.pt", "numpy.core.multiarray._reconstruct")]
    public void PicklesThatReachForOtherGlobalsAreRefused(string name, string global)
    {
        var path = Fixture(name);
        var e = Assert.Throws<SfcInputException>(() => TorchZipFile.Open(path));
        Assert.Equal($"{path}: refuses to load pickle global '{global}' (only tensor state dicts are allowed)", e.Message);
    }

    /// <summary>The same random SAEs are stored as dictionary_learning ae.pt (PyTorch zip) and as SAELens
    /// safetensors: reading both independently must give the same numbers (SAELens stores the transposes).</summary>
    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void DictionaryLearningAutoencodersEqualTheirSaeLensTwins(string model)
    {
        var sites = Directory.GetDirectories(Paths.SharedPath("fixtures", model, "dictionaries")).Select(Path.GetFileName).ToArray();
        Assert.NotEmpty(sites);
        foreach (var site in sites)
        {
            using var ae = TorchZipFile.Open(Paths.SharedPath("fixtures", model, "dictionaries", site!, "ae.pt"));
            using var sae = SafetensorsFile.Open(Paths.SharedPath("fixtures", model, "saelens", site!, "sae_weights.safetensors"));
            Assert.Equal(["bias", "encoder.weight", "encoder.bias", "decoder.weight"], ae.Names);
            AssertTransposed(ae.ReadTensor("encoder.weight"), sae.MapTensor("W_enc"));
            AssertTransposed(ae.ReadTensor("decoder.weight"), sae.MapTensor("W_dec"));
            Assert.Equal(sae.ReadTensor("b_enc").ToArray(), ae.ReadTensor("encoder.bias").ToArray());
            Assert.Equal(sae.ReadTensor("b_dec").ToArray(), ae.ReadTensor("bias").ToArray());
        }
    }

    private static void AssertTransposed(Tensor a, Tensor b)
    {
        Assert.Equal(2, a.Rank);
        Assert.Equal([a.Dim(1), a.Dim(0)], b.ShapeArray);
        for (int i = 0; i < a.Dim(0); i++)
        for (int j = 0; j < a.Dim(1); j++)
            if (a[i, j] != b[j, i]) Assert.Fail($"[{i},{j}]: {a[i, j]} != {b[j, i]}");
    }

    [Fact]
    public void Protocol4OpcodesAndLongIntegersAreUnderstood()
    {
        // {"w": storage[1:4]} written with FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL and LONG1 integers.
        var pickle = new PickleBytes().Proto(4).Op(0x95).Op(new byte[8]) // FRAME with a length hint
            .StackGlobal("collections", "OrderedDict").Op(0x94).EmptyTuple().Reduce().Op(0x94)
            .Mark().ShortUnicode("w").Op(0x94)
            .Tensor("FloatStorage", "0", storageNumel: 4, offset: 1, size: [3], stride: [1])
            .SetItems().Stop().ToArray();
        using var dir = new TempFolder();
        var path = dir.Write("p4.pt", PickleBytes.Archive(pickle, ("0", Floats(9f, 1f, 2f, 3f))));
        using var file = TorchZipFile.Open(path);
        Assert.Equal([1f, 2f, 3f], file.ReadTensor("w").ToArray());
        Assert.Equal([1f, 2f, 3f], file.GetTensor("w").ToArray());
    }

    [Fact]
    public void StackGlobalToOsSystemIsRefused()
    {
        var pickle = new PickleBytes().Proto(4).StackGlobal("os", "system").ShortUnicode("echo hi").Op(0x85).Reduce().Stop().ToArray();
        using var dir = new TempFolder();
        var path = dir.Write("evil.pt", PickleBytes.Archive(pickle));
        Assert.Equal($"{path}: refuses to load pickle global 'os.system' (only tensor state dicts are allowed)",
            Assert.Throws<SfcInputException>(() => TorchZipFile.Open(path)).Message);
    }

    public static TheoryData<string, byte[], (string, byte[])[], string> BrokenArchives()
    {
        static byte[] OneTensor(long numel, long offset, long[] size, long[] stride, string type = "FloatStorage") =>
            new PickleBytes().Proto(2).Global("collections", "OrderedDict").EmptyTuple().Reduce()
                .Mark().Unicode("w").Tensor(type, "0", numel, offset, size, stride).SetItems().Stop().ToArray();

        return new()
        {
            { "unknown opcode", new PickleBytes().Proto(2).Op(0x81).Stop().ToArray(), [], "unsupported pickle opcode 0x81" },
            { "no STOP", new PickleBytes().Proto(2).EmptyDict().ToArray(), [], "malformed pickle: data ends before STOP" },
            { "list at top", new PickleBytes().Proto(2).Op((byte)']').Stop().ToArray(), [], "holds a list, not a state dict" },
            { "missing storage", OneTensor(4, 0, [4], [1]), [], "storage '0' is missing from the archive" },
            { "short storage", OneTensor(4, 0, [4], [1]), [("0", Floats(1f, 2f))], "storage '0' has 8 bytes but 4 F32 elements need 16" },
            { "view past storage", OneTensor(4, 2, [3], [1]), [("0", Floats(1f, 2f, 3f, 4f))], "reaches element 4 of storage '0' which holds 4" },
            { "stride past storage", OneTensor(4, 0, [2, 2], [3, 1]), [("0", Floats(1f, 2f, 3f, 4f))], "reaches element 4" },
            { "odd storage type", OneTensor(4, 0, [4], [1], "ComplexFloatStorage"), [], "unsupported tensor storage type 'torch.ComplexFloatStorage'" },
            {
                "attribute on dict",
                new PickleBytes().Proto(2).EmptyDict().EmptyDict().Mark().Unicode("__class__").Int(1).SetItems().Op((byte)'b').Stop().ToArray(),
                [], "pickle sets attribute '__class__' on a dict"
            },
            {
                "calling a storage type",
                new PickleBytes().Proto(2).Global("torch", "FloatStorage").EmptyTuple().Reduce().Stop().ToArray(),
                [], "refuses to call pickle global 'torch.FloatStorage'"
            },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenArchives))]
    public void BrokenCheckpointsAreRejectedNamingFileAndProblem(string label, byte[] pickle, (string, byte[])[] storages, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.Write(label.Replace(' ', '_') + ".pt", PickleBytes.Archive(pickle, storages));
        var e = Assert.Throws<SfcInputException>(() => TorchZipFile.Open(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void NonZipFilesAreRejected()
    {
        using var dir = new TempFolder();
        var legacy = dir.Write("legacy.bin", [0x80, 0x02, 0x8a, 0x0a]);
        Assert.Contains("legacy (pre-1.6, non-zip) PyTorch serialization is not supported", Assert.Throws<SfcInputException>(() => TorchZipFile.Open(legacy)).Message);
        var text = dir.Write("text.bin", "hello world"u8.ToArray());
        Assert.Equal($"{text}: not a PyTorch checkpoint (no zip signature)", Assert.Throws<SfcInputException>(() => TorchZipFile.Open(text)).Message);
        var truncatedZip = dir.Write("cut.pt", File.ReadAllBytes(Fixture("views.pt"))[..200]);
        Assert.StartsWith(truncatedZip + ":", Assert.Throws<SfcInputException>(() => TorchZipFile.Open(truncatedZip)).Message);
    }
}
