namespace SparseCircuits.Tests.Tensors;

/// <summary>
/// Textbook float64 evaluations used as independent references in tests (slow, scalar, no fitted coefficients):
/// erf from its all-positive series erf(z) = 2/√π·e^(−z²)·Σ 2ⁿz^(2n+1)/(1·3·…·(2n+1)) for |z| &lt; 3, and erfc from its
/// continued fraction e^(−z²)/√π · 1/(z + ½/(z + 1/(z + 3⁄2/(z + …)))) beyond.
/// </summary>
internal static class ReferenceMath
{
    public static double Erf(double z) => Math.Abs(z) < 3 ? Series(z) : Math.Sign(z) * (1 - ContinuedFraction(Math.Abs(z)));

    public static double Erfc(double z) => Math.Abs(z) < 3 ? 1 - Series(z) : z > 0 ? ContinuedFraction(z) : 2 - ContinuedFraction(-z);

    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    public static double NormalDensity(double x) => Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    private static double Series(double z)
    {
        double term = z, sum = z, z2 = z * z;
        for (int n = 1; n < 200 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
        {
            term *= 2 * z2 / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-z2) * sum;
    }

    private static double ContinuedFraction(double z)
    {
        double f = z;
        for (int n = 120; n >= 1; n--) f = z + n / 2.0 / f;
        return Math.Exp(-z * z) / (Math.Sqrt(Math.PI) * f);
    }
}
