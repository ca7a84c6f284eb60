using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>The hand-written sparse TopK gradient equals the autograd gradient of the same loss (built from the engine's
/// gradient-checked ops), with and without AuxK, for an SAE and a transcoder.</summary>
public class TopKObjectiveTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void SparseGradientEqualsAutograd(bool withAuxK, bool transcoder)
    {
        var rng = new Random(12);
        int dIn = 8, dOut = transcoder ? 6 : 8, width = 40, k = 5, rows = 30;
        var info = new DictionaryInfo("topk", Site.MlpInput(0), transcoder ? Site.MlpOut(0) : Site.MlpInput(0), "test");
        var sae = new TrainableSae(SaeArchitecture.TopK, Tensor.RandomNormal(rng, 0.5f, dIn, width), Tensor.RandomNormal(rng, 0.3f, width),
            Tensor.RandomNormal(rng, 0.4f, width, dOut), Tensor.RandomNormal(rng, 0.2f, dOut), null, k, info);
        var input = Tensor.RandomNormal(rng, 1f, rows, dIn);
        var batch = new ActivationBatch(input, transcoder ? Tensor.RandomNormal(rng, 1f, rows, dOut) : input);
        int[]? dead = withAuxK ? [1, 4, 7, 9, 15, 22, 23, 30, 31, 38] : null;
        const int auxK = 4;
        const float alpha = 0.5f;

        var (fused, gradients) = TopKObjective.Compute(sae, batch, dead, auxK, alpha);

        foreach (var p in sae.Parameters) p.RequireGrad();
        SaeLoss reference;
        Gradients expected;
        using (var tape = Tape.Record())
        {
            reference = SaeObjective.Compute(sae, batch, 0f, 0.1f, dead, auxK, alpha);
            expected = tape.Backward(reference.Total);
        }
        Assert.Equal(reference.Total.ToFloat(), fused.Total.ToFloat(), 4);
        Assert.Equal(reference.Auxiliary, fused.Auxiliary, 4);
        if (withAuxK) Assert.True(fused.Auxiliary > 0);
        Assert.Equal(reference.Codes.Indices, fused.Codes.Indices);
        GradCheck.AssertClose(reference.Reconstructed.ToArray(), fused.Reconstructed.ToArray(), 1e-6, "reconstruction");
        string[] names = ["W_enc", "b_enc", "W_dec", "b_dec"];
        for (int i = 0; i < 4; i++)
            GradCheck.AssertClose(expected.Of(sae.Parameters[i]).ToArray(), gradients[i].ToArray(), 1e-5, names[i]);
    }
}
