using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Formats;

public class SafetensorsWriterTests
{
    /// <summary>The fixture files were written by an independent (Python) writer following the reference layout;
    /// rewriting their tensors must give the very same bytes.</summary>
    [SharedTheory]
    [InlineData("tiny_gpt2", "model.safetensors")]
    [InlineData("tiny_llama", "model.safetensors")]
    [InlineData("tiny_gpt2", "saelens/resid_1/sae_weights.safetensors")]
    [InlineData("tiny_gpt_neox", "saelens_jumprelu/mlp_0/sae_weights.safetensors")]
    public void RewritingAFixtureReproducesItByteForByte(string model, string file)
    {
        var source = Paths.SharedPath("fixtures", model, file);
        using var dir = new TempFolder();
        var copy = dir.File("copy.safetensors");
        using (var reader = SafetensorsFile.Open(source))
        {
            var tensors = reader.Names.ToDictionary(n => n, reader.MapTensor);
            SafetensorsWriter.Write(copy, tensors, reader.Metadata.Count > 0 ? reader.Metadata : null);
        }
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(copy));
    }

    [Fact]
    public void MixedDTypesAreWidestFirstThenByNameAlignedAndPacked()
    {
        var weights = Tensor.FromArray([1f, 2f, 3f], 3);
        var bias = Tensor.FromArray([-0.5f], 1);
        long[] indices = [4, 5, -6, 1L << 33];
        int[] counts = [7, 8, 9];
        using var dir = new TempFolder();
        var path = dir.File("mixed.safetensors");
        SafetensorsWriter.Write(path,
        [
            SafetensorsEntry.Float32("w", weights),
            SafetensorsEntry.Int32("counts", counts, 3),
            SafetensorsEntry.Int64("edges.indices", indices, 2, 2),
            SafetensorsEntry.Float32("b", bias),
        ], new Dictionary<string, string> { ["made_by"] = "test", ["a"] = "first" });

        // Parse the bytes by the format's definition.
        var bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        var headerText = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Matches("^\\{.*\\} *$", headerText); // compact JSON padded with spaces
        using var header = JsonDocument.Parse(headerText);
        var order = header.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["__metadata__", "edges.indices", "b", "counts", "w"], order);
        Assert.Equal("first", header.RootElement.GetProperty("__metadata__").GetProperty("a").GetString());

        long dataStart = 8 + headerLength, expectedBegin = 0;
        foreach (var name in order.Skip(1))
        {
            var info = header.RootElement.GetProperty(name);
            long begin = info.GetProperty("data_offsets")[0].GetInt64(), end = info.GetProperty("data_offsets")[1].GetInt64();
            Assert.Equal(expectedBegin, begin); // packed, no holes
            int size = info.GetProperty("dtype").GetString() == "I64" ? 8 : 4;
            Assert.Equal(0, (dataStart + begin) % size); // every tensor aligned to its element size
            expectedBegin = end;
        }
        Assert.Equal(bytes.Length - dataStart, expectedBegin);

        var data = bytes.AsSpan((int)dataStart);
        Assert.Equal(RawSafetensors.Int64s(indices), data[..32].ToArray());
        Assert.Equal(RawSafetensors.Floats(-0.5f), data[32..36].ToArray());
        Assert.Equal(RawSafetensors.Int32s(counts), data[36..48].ToArray());
        Assert.Equal(RawSafetensors.Floats(1f, 2f, 3f), data[48..60].ToArray());
        Assert.Equal([2, 2], header.RootElement.GetProperty("edges.indices").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void WritingLeavesNoTemporaryFilesAndReplacesTheTarget()
    {
        using var dir = new TempFolder();
        var path = dir.Write("out.safetensors", Encoding.ASCII.GetBytes("old content"));
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray([4f], 1) });
        Assert.Equal(["out.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([4f], file.ReadTensor("x").ToArray());
    }

    [Fact]
    public void AFailedWriteKeepsTheOldFileAndCleansUp()
    {
        using var dir = new TempFolder();
        var path = dir.Write("keep.bin", [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100]);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void WritingIntoAMissingFolderIsAnInputError()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "no", "such", "x.safetensors");
        var e = Assert.Throws<SfcInputException>(() => SafetensorsWriter.Write(path, new Dictionary<string, Tensor>()));
        Assert.StartsWith(path + ":", e.Message);
    }

    [Fact]
    public void EntriesAreChecked()
    {
        Assert.Throws<ArgumentException>(() => SafetensorsEntry.Int64("i", new long[3], 2, 2));
        Assert.Throws<ArgumentException>(() => SafetensorsEntry.Float32("__metadata__", Tensor.Zeros(1)));
        using var dir = new TempFolder();
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(dir.File("d.safetensors"),
            [SafetensorsEntry.Float32("a", Tensor.Zeros(1)), SafetensorsEntry.Float32("a", Tensor.Zeros(2))]));
    }
}
