using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>
/// Weights that are made or resident only when used behave like plain tensors: a lazy transpose holds the transpose
/// (made once, on first read; remade after release), a lazy tensor computes once on first read, and memory-mapped weights
/// read the same after their pages were handed back.
/// </summary>
public class LazyWeightsTests
{
    [Fact]
    public void LazyTransposeHoldsTheTransposeMadeOnFirstRead()
    {
        var m = Tensor.RandomNormal(new Random(5), 1f, 13, 70);
        var t = LazyTranspose.Of(m);
        Assert.Equal([70, 13], t.ShapeArray);
        Assert.Same(m, LazyTranspose.SourceOf(t));
        Assert.False(LazyTranspose.IsMaterialized(t));
        for (int i = 0; i < 13; i++)
            for (int j = 0; j < 70; j++) Assert.Equal(m[i, j], t[j, i]);
        Assert.True(LazyTranspose.IsMaterialized(t));
        Assert.True(LazyTranspose.Release(t));
        Assert.False(LazyTranspose.IsMaterialized(t));
        Assert.Equal(m[4, 66], t[66, 4]);
        Assert.Null(LazyTranspose.SourceOf(m));
    }

    [Fact]
    public void LazyTensorComputesOnceOnFirstRead()
    {
        int calls = 0;
        var t = LazyTensor.Of([2, 3], () =>
        {
            calls++;
            return Tensor.FromArray([1, 2, 3, 4, 5, 6], 6);
        });
        Assert.Equal(6, t.Length);
        Assert.True(LazyTensor.IsPending(t));
        Assert.Equal(0, calls);
        Assert.Equal(6f, t[1, 2]);
        Assert.Equal(21f, t.ToArray().Sum());
        Assert.Equal(1, calls);
        Assert.False(LazyTensor.IsPending(t));
    }

    /// <summary>A dictionary_learning decoder is stored [d, F]: the loaded rows are its transpose, made only when read
    /// row-wise, and every weight reads the same after the dictionary handed its memory back.</summary>
    [SharedFact]
    public void DictionaryLearningWeightsAreUnchangedByLazyLoadingAndRelease()
    {
        var folder = Paths.SharedPath("fixtures", "tiny_gpt_neox", "dictionaries");
        var sae = (SparseAutoencoder)DictionaryLoader.Load(Directory.GetDirectories(folder).OrderBy(p => p, StringComparer.Ordinal).First());
        var stored = LazyTranspose.SourceOf(sae.DecoderWeight);
        Assert.NotNull(stored);
        Assert.False(LazyTranspose.IsMaterialized(sae.DecoderWeight));
        var x = Tensor.RandomNormal(new Random(2), 1f, 5, sae.InputDim);
        var codes = sae.EncodeSparse(x);
        var decoded = sae.DecodeSparse(codes).ToArray();
        var encoder = sae.Weights.EncoderWeight.ToArray();
        int f = sae.Width, d = sae.OutputDim;
        var rows = sae.DecoderWeight.ToArray();
        for (int j = 0; j < f; j++)
            for (int i = 0; i < d; i++) Assert.Equal(stored![i, j], rows[j * d + i]);

        sae.ReleaseResidentMemory();

        Assert.False(LazyTranspose.IsMaterialized(sae.DecoderWeight));
        Assert.Equal(encoder, sae.Weights.EncoderWeight.ToArray());
        Assert.Equal(rows, sae.DecoderWeight.ToArray());
        var again = sae.EncodeSparse(x);
        Assert.Equal(codes.Indices, again.Indices);
        Assert.Equal(codes.Values, again.Values);
        Assert.Equal(decoded, sae.DecodeSparse(again).ToArray());
    }

    [SharedFact]
    public void MappedModelWeightsReadTheSameAfterTheirPagesAreReleased()
    {
        var model = Fixtures.Model("tiny_gpt_neox");
        var embedding = model.Weights.TokenEmbedding;
        var before = embedding.ToArray();
        bool released = ResidentMemory.Release(embedding);
        if (OperatingSystem.IsLinux()) Assert.True(released || embedding.Length * sizeof(float) < 2 * Environment.SystemPageSize);
        Assert.Equal(before, embedding.ToArray());
        Assert.False(ResidentMemory.Release(Tensor.Zeros(4096))); // managed memory: nothing to hand back
    }
}
