using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>
/// Folding the training scale into the weights: a dictionary trained on x' = s_in·x with targets y' = s_out·y, once
/// unscaled and converted to the inference type, must give features f'/s_out and reconstructions ŷ'/s_out on the raw
/// rows — the identity (f(s_in·x) / s_out, dec(f)/s_out) checked here for every architecture and for a transcoder.
/// </summary>
public class UnscaledDictionaryTests
{
    [Theory]
    [InlineData(SaeArchitecture.Relu, false)]
    [InlineData(SaeArchitecture.TopK, false)]
    [InlineData(SaeArchitecture.JumpRelu, false)]
    [InlineData(SaeArchitecture.Relu, true)]
    [InlineData(SaeArchitecture.JumpRelu, true)]
    public void RawDictionaryEqualsScaledOneDividedByTheOutputScale(SaeArchitecture arch, bool transcoder)
    {
        var rng = new Random(9);
        int dIn = 8, dOut = transcoder ? 6 : 8, width = 20;
        float sIn = 2.5f, sOut = transcoder ? 0.4f : sIn;
        var info = new DictionaryInfo("test", Site.MlpInput(0), transcoder ? Site.MlpOut(0) : Site.MlpInput(0), "test");
        var scaled = new TrainableSae(arch,
            Tensor.RandomNormal(rng, 0.5f, dIn, width), Tensor.RandomNormal(rng, 0.3f, width),
            Tensor.RandomNormal(rng, 0.5f, width, dOut), Tensor.RandomNormal(rng, 0.3f, dOut),
            Tensor.RandomUniform(rng, -2f, -0.5f, width), k: 5, info);
        var raw = Tensor.RandomNormal(rng, 1f, 30, dIn);
        var x = raw.Clone();
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, sIn, x.Span);

        var fScaled = scaled.Encode(x);
        var yScaled = scaled.Decode(fScaled);
        var dictionary = scaled.Unscaled(sIn, sOut).ToDictionary();
        var codes = dictionary.EncodeSparse(raw);
        var y = dictionary.DecodeSparse(codes, raw);

        var expectedF = fScaled.ToArray().Select(v => v / sOut).ToArray();
        var expectedY = yScaled.ToArray().Select(v => v / sOut).ToArray();
        GradCheck.AssertClose(expectedF, codes.ToDense().ToArray(), 1e-5, "features");
        GradCheck.AssertClose(expectedY, y.ToArray(), 1e-5, "reconstruction");
        Assert.True(expectedF.Count(v => v != 0) > 0, "the check needs some active features");
    }
}
