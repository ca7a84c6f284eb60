using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Tests.Tensors;

public class ErrorFunctionTests
{
    private static readonly System.Text.Json.JsonElement Reference = OpReference.Load("norms_erf.json");

    // The float64 kernels are accurate to ~1e-10, so results are correctly rounded: half an ulp from rounding, plus
    // slack for the 10-digit reference values, gives the 0.6-ulp bound used throughout.

    [Fact]
    public void ErfIsWithinHalfAnUlpOfPyTorchFloat64()
    {
        var z = Reference.F32("z");
        var actual = new float[z.Length];
        ErrorFunction.Erf(z, actual);
        OpReference.AssertUlps(Reference.F64("erf_f64"), actual, 0.6, "erf");
    }

    [Fact]
    public void ErfcIsWithinHalfAnUlpOfPyTorchFloat64IncludingTheTail()
    {
        var z = Reference.F32("z");
        var actual = new float[z.Length];
        ErrorFunction.Erfc(z, actual);
        OpReference.AssertUlps(Reference.F64("erfc_f64"), actual, 0.6, "erfc");
    }

    [Fact]
    public void NormalCdfKeepsRelativeAccuracyInTheLowerTail()
    {
        var x = Reference.F32("x");
        var actual = new float[x.Length];
        ErrorFunction.NormalCdf(x, actual);
        OpReference.AssertUlps(Reference.F64("normal_cdf_f64"), actual, 0.6, "Φ");
    }

    [Fact]
    public void ScalarAndSpanFormsAgreeOnEveryElement()
    {
        var z = Reference.F32("z");
        var span = new float[z.Length];
        ErrorFunction.Erf(z, span);
        for (int i = 0; i < z.Length; i++) Assert.Equal(ErrorFunction.Erf(z[i]), span[i]);
        ErrorFunction.NormalCdf(z, span);
        for (int i = 0; i < z.Length; i++) Assert.Equal(ErrorFunction.NormalCdf(z[i]), span[i]);
    }

    [Fact]
    public void ManyValuesAgreeWithAnIndependentSeriesAndContinuedFraction()
    {
        // An odd length exercises the vector body and the element-by-element tail.
        var rng = new Random(5);
        var z = new float[20_003];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextDouble() * 14 - 7);
        var erf = new float[z.Length];
        var erfc = new float[z.Length];
        var cdf = new float[z.Length];
        ErrorFunction.Erf(z, erf);
        ErrorFunction.Erfc(z, erfc);
        ErrorFunction.NormalCdf(z, cdf);
        OpReference.AssertUlps(z.Select(v => ReferenceMath.Erf(v)).ToArray(), erf, 0.6, "erf");
        OpReference.AssertUlps(z.Select(v => ReferenceMath.Erfc(v)).ToArray(), erfc, 0.6, "erfc");
        OpReference.AssertUlps(z.Select(v => ReferenceMath.NormalCdf(v)).ToArray(), cdf, 0.6, "Φ");
    }

    [Fact]
    public void SymmetryAndLimits()
    {
        foreach (float z in new[] { 1e-30f, 0.3f, 0.75f, 0.7500001f, 1.7f, 3.3f, 9f })
        {
            Assert.Equal(-ErrorFunction.Erf(z), ErrorFunction.Erf(-z));
            Assert.Equal(1.0, ErrorFunction.Erf(z) + (double)ErrorFunction.Erfc(z), 6);
        }
        Assert.Equal(0f, ErrorFunction.Erf(0f));
        Assert.Equal(1f, ErrorFunction.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, ErrorFunction.Erf(float.NegativeInfinity));
        Assert.Equal(0f, ErrorFunction.NormalCdf(float.NegativeInfinity));
        Assert.Equal(1f, ErrorFunction.NormalCdf(float.PositiveInfinity));
        Assert.True(float.IsNaN(ErrorFunction.Erf(float.NaN)));
        Assert.True(float.IsNaN(ErrorFunction.NormalCdf(float.NaN)));
    }
}
