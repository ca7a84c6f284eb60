using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Formats;

/// <summary>GetTensor maps stored float32 storages instead of copying them, and gives exactly what ReadTensor reads
/// (which the PyTorch-made expected files check), for every tensor of every fixture checkpoint, strided views and
/// half-precision storages included (those fall back to copying).</summary>
public class TorchZipFileMappingTests
{
    [Theory]
    [InlineData("parameters.pt")]
    [InlineData("views.pt")]
    [InlineData("nested.pt")]
    [InlineData("module_state.pt")]
    public void MappedTensorsEqualReadTensors(string file)
    {
        using var zip = TorchZipFile.Open(Paths.TestData("formats", file));
        foreach (var name in zip.Names)
        {
            if (!zip.Info(name).DType.IsFloatingPoint()) continue;
            var read = zip.ReadTensor(name);
            var got = zip.GetTensor(name);
            Assert.Equal(read.ShapeArray, got.ShapeArray);
            Assert.Equal(read.ToArray(), got.ToArray());
        }
    }

    [Fact]
    public void StoredFloat32StoragesAreMapped()
    {
        var path = Paths.TestData("dictionaries", "dl_topk", "ae.pt");
        using var zip = TorchZipFile.Open(path);
        var mapped = zip.GetTensor("encoder.weight");
        Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(mapped.Storage, out _), "expected memory-mapped storage, not an array");
        Assert.Equal(zip.ReadTensor("encoder.weight").ToArray(), mapped.ToArray());
    }
}
