using System.Text.Json;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tensors;

/// <summary>
/// Reads the PyTorch reference files in TestData/ops (made by tools/make_op_references_norms.py) and compares values
/// with them. float32 fields are parsed as float32 so the inputs are bit-identical to what PyTorch saw.
/// </summary>
internal static class OpReference
{
    public static JsonElement Load(string fileName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.TestData("ops", fileName)));
        return doc.RootElement.Clone();
    }

    public static float[] F32(this JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static double[] F64(this JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Ints(this JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static Tensor Tensor32(this JsonElement e, string name, int[] shape) => Tensor.FromArray(e.F32(name), shape);

    public static IEnumerable<JsonElement> Cases(this JsonElement e) => e.GetProperty("cases").EnumerateArray();

    /// <summary>Asserts |actual − expected| ≤ rtol·|expected| + atol for every element, reporting the worst one.</summary>
    public static void AssertNear(IReadOnlyList<double> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.Count, actual.Length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            double excess = err / (rtol * Math.Abs(expected[i]) + atol);
            if (!(excess <= 1) && (worst < 0 || !(excess <= worstExcess)))
            {
                worst = i;
                worstExcess = excess;
            }
        }
        Assert.True(worst < 0, worst < 0 ? "" :
            $"{what}: element {worst} is {actual[worst]:G9}, expected {expected[worst]:G10} (error {Math.Abs(actual[worst] - expected[worst]):G3}, " +
            $"{worstExcess:G3}× the tolerance {rtol:G2}·|e| + {atol:G2})");
    }

    public static void AssertNear(IReadOnlyList<float> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what) =>
        AssertNear(expected.Select(v => (double)v).ToArray(), actual, rtol, atol, what);

    /// <summary>Asserts each value is within <paramref name="maxUlps"/> float32 ulps of the exact value (given in float64).</summary>
    public static void AssertUlps(IReadOnlyList<double> exact, ReadOnlySpan<float> actual, double maxUlps, string what)
    {
        Assert.Equal(exact.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            double ulps = Math.Abs(actual[i] - exact[i]) / Ulp(exact[i]);
            Assert.True(ulps <= maxUlps, $"{what}: element {i} is {actual[i]:G9}, exact {exact[i]:G10} ({ulps:F2} ulps)");
        }
    }

    /// <summary>The spacing of float32 values around <paramref name="x"/> (the subnormal spacing near zero).</summary>
    public static double Ulp(double x)
    {
        float f = Math.Abs((float)x);
        return Math.Max((double)MathF.BitIncrement(f) - f, float.Epsilon);
    }

    /// <summary>Largest |a − b| relative to the largest |b| (for gradient comparisons).</summary>
    public static void AssertCloseToMax(IReadOnlyList<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        double scale = Math.Max(1e-12, expected.Max(Math.Abs));
        AssertNear(expected, actual, 0, tolerance * scale, what);
    }
}
