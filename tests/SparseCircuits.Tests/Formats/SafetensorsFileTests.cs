using System.Runtime.InteropServices;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using static SparseCircuits.Tests.Formats.RawSafetensors;

namespace SparseCircuits.Tests.Formats;

public class SafetensorsFileTests
{
    [Fact]
    public void ReadsEveryFloatDTypeToTheValuesItsBitsDefine()
    {
        // F16 bit patterns (IEEE binary16): 1, -2, 65504 (largest finite), 2^-24 (smallest subnormal), 1/3 rounded.
        // BF16 bit patterns (the top 16 bits of a float32): 1, -2, 3.140625, -inf.
        var header = """
            {"__metadata__":{"format":"pt","note":"hand made"},
             "f32":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
             "f16":{"dtype":"F16","shape":[5],"data_offsets":[16,26]},
             "bf16":{"dtype":"BF16","shape":[4],"data_offsets":[26,34]},
             "f64":{"dtype":"F64","shape":[2],"data_offsets":[34,50]},
             "scalar":{"dtype":"F32","shape":[],"data_offsets":[50,54]}}
            """;
        var data = Concat(
            Floats(1.5f, -2f, 0.1f, float.MaxValue),
            UInt16s(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555),
            UInt16s(0x3F80, 0xC000, 0x4049, 0xFF80),
            Doubles(0.1, -1e300),
            Floats(7.25f));
        using var dir = new TempFolder();
        using var file = SafetensorsFile.Open(dir.Write("a.safetensors", Build(header, data)));

        Assert.Equal(["f32", "f16", "bf16", "f64", "scalar"], file.Names);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("hand made", file.Metadata["note"]);
        Assert.Equal(new StoredTensorInfo("f16", StoredDType.F16, [5]).ToString(), file.Info("f16").ToString());

        var f32 = file.ReadTensor("f32");
        Assert.Equal([2, 2], f32.ShapeArray);
        Assert.Equal([1.5f, -2f, 0.1f, float.MaxValue], f32.ToArray());
        Assert.Equal([1f, -2f, 65504f, MathF.Pow(2, -24), 0.333251953125f], file.ReadTensor("f16").ToArray());
        Assert.Equal([1f, -2f, 3.140625f, float.NegativeInfinity], file.ReadTensor("bf16").ToArray());
        Assert.Equal([0.1f, float.NegativeInfinity], file.ReadTensor("f64").ToArray());
        var scalar = file.ReadTensor("scalar");
        Assert.Equal(0, scalar.Rank);
        Assert.Equal(7.25f, scalar.ToFloat());
    }

    [Fact]
    public void LoadAllCopiesEveryTensor()
    {
        var header = """{"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        using var dir = new TempFolder();
        var all = SafetensorsFile.LoadAll(dir.Write("all.safetensors", Build(header, Concat(Floats(5f, 6f), UInt16s(0x4000, 0xBF80)))));
        Assert.Equal(["b", "a"], all.Keys);
        Assert.Equal([5f, 6f], all["a"].ToArray());
        Assert.Equal([2f, -1f], all["b"].ToArray());
        Assert.True(MemoryMarshal.TryGetArray<float>(all["a"].Storage, out _));
    }

    [Fact]
    public void ReadsIntegerTensorsAsInt64AndInt32()
    {
        var header = """
            {"idx":{"dtype":"I64","shape":[2,2],"data_offsets":[0,32]},
             "small":{"dtype":"I32","shape":[3],"data_offsets":[32,44]},
             "w":{"dtype":"F32","shape":[1],"data_offsets":[44,48]}}
            """;
        var data = Concat(Int64s(0, -1, 1L << 40, long.MinValue), Int32s(5, -6, int.MaxValue), Floats(1f));
        using var dir = new TempFolder();
        using var file = SafetensorsFile.Open(dir.Write("i.safetensors", Build(header, data)));
        Assert.Equal([0L, -1L, 1L << 40, long.MinValue], file.ReadInt64("idx"));
        Assert.Equal([5L, -6L, int.MaxValue], file.ReadInt64("small"));
        Assert.Equal([5, -6, int.MaxValue], file.ReadInt32("small"));
        Assert.Equal([5f, -6f, int.MaxValue], file.ReadTensor("small").ToArray());
        var tooWide = Assert.Throws<SfcInputException>(() => file.ReadInt32("idx"));
        Assert.Contains("does not fit in int32", tooWide.Message);
        var notInteger = Assert.Throws<SfcInputException>(() => file.ReadInt64("w"));
        Assert.Contains("not an integer type", notInteger.Message);
    }

    [Fact]
    public void MapTensorSharesTheFileBytesAndOutlivesTheReader()
    {
        var header = """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"h":{"dtype":"F16","shape":[1],"data_offsets":[12,14]}}""";
        using var dir = new TempFolder();
        var path = dir.Write("m.safetensors", Build(header, Concat(Floats(1f, 2f, 3f), UInt16s(0x3C00))));
        Tensor mapped;
        using (var file = SafetensorsFile.Open(path))
        {
            mapped = file.MapTensor("a");
            Assert.False(MemoryMarshal.TryGetArray<float>(mapped.Storage, out _), "a mapped tensor must not be a managed copy");
            Assert.True(MemoryMarshal.TryGetArray<float>(file.ReadTensor("a").Storage, out _));
            Assert.Equal([3], file.GetTensor("a").ShapeArray);
            Assert.Equal([1f], file.GetTensor("h").ToArray()); // not F32: GetTensor converts
            var refused = Assert.Throws<SfcInputException>(() => file.MapTensor("h"));
            Assert.Contains("only F32", refused.Message);
        }

        Assert.Equal([1f, 2f, 3f], mapped.ToArray()); // valid after the reader is disposed
        mapped.Span[1] = 20f; // copy-on-write: the tensor changes, the file does not
        Assert.Equal(20f, mapped[1]);
        using var again = SafetensorsFile.Open(path);
        Assert.Equal([1f, 2f, 3f], again.ReadTensor("a").ToArray());
    }

    [Fact]
    public void AcceptsUnsortedAndOverlappingSlotsInsideTheData()
    {
        var header = """{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        using var dir = new TempFolder();
        using var file = SafetensorsFile.Open(dir.Write("o.safetensors", Build(header, Floats(1f, 2f, 3f))));
        Assert.Equal([2f, 3f], file.ReadTensor("b").ToArray());
        Assert.Equal([1f, 2f], file.MapTensor("a").ToArray());
    }

    [Fact]
    public void TruncatedFileIsRejected()
    {
        using var dir = new TempFolder();
        var path = dir.Write("t.safetensors", [1, 0, 0]);
        var e = Assert.Throws<SfcInputException>(() => SafetensorsFile.Open(path));
        Assert.StartsWith(path + ": truncated", e.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejected()
    {
        using var dir = new TempFolder();
        var path = dir.Write("h.safetensors", Build("{}", [], declaredHeaderLength: 1000));
        var e = Assert.Throws<SfcInputException>(() => SafetensorsFile.Open(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains("header length 1000 runs past the end of the file", e.Message);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]""", "not valid JSON")]
    [InlineData("""[1,2]""", "not an object")]
    [InlineData("""{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "unknown dtype 'Q4'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}""", "lie outside the data region of 8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", "span 8 bytes but F32 [1] needs 4")]
    [InlineData("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", "span 8 bytes but F16 [2] needs 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "not a non-negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "0 <= begin <= end")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "data_offsets")]
    [InlineData("""{"a":{"shape":[2],"data_offsets":[0,8]}}""", "missing string field 'dtype'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "twice")]
    [InlineData("""{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "not a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}""", "too large")]
    public void MalformedHeadersAreRejectedNamingFileAndProblem(string header, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.Write("bad.safetensors", Build(header, Floats(1f, 2f)));
        var e = Assert.Throws<SfcInputException>(() => SafetensorsFile.Open(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void MissingFileAndUnknownNameAreInputErrors()
    {
        using var dir = new TempFolder();
        var missing = dir.File("nope.safetensors");
        Assert.Equal($"{missing}: file not found", Assert.Throws<SfcInputException>(() => SafetensorsFile.Open(missing)).Message);

        using var file = SafetensorsFile.Open(dir.Write("a.safetensors", Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", Floats(1f))));
        Assert.Contains("no tensor named 'b'", Assert.Throws<SfcInputException>(() => file.ReadTensor("b")).Message);
        Assert.False(file.Contains("b"));
    }

    [Fact]
    public void EmptyTensorsAndEmptyFilesOfTensorsAreFine()
    {
        using var dir = new TempFolder();
        using var file = SafetensorsFile.Open(dir.Write("e.safetensors", Build("""{"z":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}""", [])));
        Assert.Equal([0, 3], file.MapTensor("z").ShapeArray);
        Assert.Empty(file.ReadTensor("z").ToArray());
        using var none = SafetensorsFile.Open(dir.Write("n.safetensors", Build("{}", [])));
        Assert.Empty(none.Names);
    }
}
