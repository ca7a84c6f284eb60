using System.Numerics;
using System.Runtime.CompilerServices;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// erf, erfc and the standard normal CDF Φ for float32 inputs. .NET has no erf, and the classic single-formula
/// approximations (Abramowitz–Stegun 7.1.26, ~1e-7 absolute) lose all relative accuracy in the tails, which exact GELU
/// needs for negative inputs. Here every value is computed in float64 from fitted polynomials accurate to ~1e-10
/// relative (coefficients from tools/fit_erf_coefficients.py), so the float32 result is the correctly rounded value
/// except when the true value lies within ~1e-10 of a rounding boundary:
/// <list type="bullet">
/// <item>|z| ≤ 0.75: erf(z) = z·(2/√π + z²·P(z²));</item>
/// <item>|z| &gt; 0.75: erfc(|z|) = exp(−z²)·Q(t), t = 1/(1 + 0.4·|z|), with |z| clamped at 12 (erfc(12) ≈ 1e-64 is zero
/// in float32).</item>
/// </list>
/// Φ(x) = ½·erfc(−x/√2) uses the same pieces with exp(−x²/2) taken from the exact square of x, so Φ keeps full
/// relative accuracy far into the lower tail (where 1 + erf(z) would cancel).
/// </summary>
public static class ErrorFunction
{
    private const double Split = 0.75;
    private const double TailScale = 0.4;
    private const double TailClamp = 12.0;
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double InvSqrt2 = 0.7071067811865476;
    private const double InvSqrt2Pi = 0.3989422804014327;

    // Fitted by tools/fit_erf_coefficients.py (max relative error: erf on [0, 0.75] 1.0e-10; erfc on [0.75, 12] 1.7e-11).
    private const double S0 = -0.3761263888300338;
    private const double S1 = 0.112837891254419;
    private const double S2 = -0.026865646058161448;
    private const double S3 = 0.005219993555867112;
    private const double S4 = -0.0008410130740192541;
    private const double S5 = 9.798046112787125e-05;
    private const double T0 = 1.5117382040245435e-08;
    private const double T1 = 0.22567464450049984;
    private const double T2 = 0.22570579098704735;
    private const double T3 = 0.20722903742670964;
    private const double T4 = 0.17467994837221562;
    private const double T5 = 0.10472791444234322;
    private const double T6 = 0.1293506263010745;
    private const double T7 = -0.14247697593213718;
    private const double T8 = 0.2689870603775672;
    private const double T9 = -0.3489113590914952;
    private const double T10 = 0.19607966123686016;
    private const double T11 = -0.04105060945469396;

    public static float Erf(float z) => Float64Lanes.Apply1<ErfFunction>(z);

    public static float Erfc(float z) => Float64Lanes.Apply1<ErfcFunction>(z);

    /// <summary>Φ(x), the standard normal cumulative distribution function.</summary>
    public static float NormalCdf(float x) => Float64Lanes.Apply1<NormalCdfFunction>(x);

    public static void Erf(ReadOnlySpan<float> z, Span<float> result) => Float64Lanes.Map<ErfFunction>(z, result);

    public static void Erfc(ReadOnlySpan<float> z, Span<float> result) => Float64Lanes.Map<ErfcFunction>(z, result);

    public static void NormalCdf(ReadOnlySpan<float> x, Span<float> result) => Float64Lanes.Map<NormalCdfFunction>(x, result);

    // ---- vector cores (float64 lanes; inputs come from float32 so x² is exact) ----

    /// <summary>erf(z) for |z| ≤ 0.75 (meaningless outside).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ErfSmall(Vector<double> z, Vector<double> z2)
    {
        var p = Vector.FusedMultiplyAdd(new Vector<double>(S5), z2, new Vector<double>(S4));
        p = Vector.FusedMultiplyAdd(p, z2, new Vector<double>(S3));
        p = Vector.FusedMultiplyAdd(p, z2, new Vector<double>(S2));
        p = Vector.FusedMultiplyAdd(p, z2, new Vector<double>(S1));
        p = Vector.FusedMultiplyAdd(p, z2, new Vector<double>(S0));
        return z * Vector.FusedMultiplyAdd(p, z2, new Vector<double>(TwoOverSqrtPi));
    }

    /// <summary>erfc(|z|)·exp(z²) for |z| ≥ 0.75 (|z| given as <paramref name="a"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ScaledTail(Vector<double> a)
    {
        var one = Vector<double>.One;
        var t = one / Vector.FusedMultiplyAdd(Vector.Min(a, new Vector<double>(TailClamp)), new Vector<double>(TailScale), one);
        var q = Vector.FusedMultiplyAdd(new Vector<double>(T11), t, new Vector<double>(T10));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T9));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T8));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T7));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T6));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T5));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T4));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T3));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T2));
        q = Vector.FusedMultiplyAdd(q, t, new Vector<double>(T1));
        return Vector.FusedMultiplyAdd(q, t, new Vector<double>(T0));
    }

    /// <summary>
    /// exp(v) for v ≤ 0, to ~2e-13 relative; v below −700 is taken as −700 (exp(−700) ≈ 1e-304 is zero for every
    /// float32 result built on it, and stays clear of subnormals). Written out so that it inlines: a call to Vector.Exp
    /// makes the kernels spill every live vector register around it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> ExpNonPositive(Vector<double> v)
    {
        v = Vector.Max(v, new Vector<double>(-700.0));
        // Adding 1.5·2⁵² rounds v/ln2 to an integer n that then sits in the low mantissa bits of k.
        var shifter = new Vector<double>(6755399441055744.0);
        var k = Vector.FusedMultiplyAdd(v, new Vector<double>(1.4426950408889634), shifter);
        var n = k - shifter;
        var r = Vector.FusedMultiplyAdd(n, new Vector<double>(-0.6931471805599453), v); // v − n·ln2, |r| ≲ ln2/2
        // e^r by its Taylor series to r¹⁰ (truncation < 2.2e-13 relative for |r| ≤ ln2/2).
        var p = Vector.FusedMultiplyAdd(new Vector<double>(1.0 / 3628800), r, new Vector<double>(1.0 / 362880));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 40320));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 5040));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 720));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 120));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 24));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(1.0 / 6));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<double>(0.5));
        p = Vector.FusedMultiplyAdd(p, r, Vector<double>.One);
        p = Vector.FusedMultiplyAdd(p, r, Vector<double>.One);
        // 2ⁿ: n's bits shifted into the exponent field (the shifter's own bits fall off the top) plus the bits of 1.0.
        var twoToN = Vector.AsVectorDouble(Vector.ShiftLeft(Vector.AsVectorInt64(k), 52) + Vector.AsVectorInt64(Vector<double>.One));
        return p * twoToN;
    }

    private static Vector<double> ErfCore(Vector<double> z)
    {
        var a = Vector.Abs(z);
        var z2 = z * z;
        var tail = ExpNonPositive(-z2) * ScaledTail(a); // erfc(|z|)
        var large = Vector.ConditionalSelect(Vector.LessThan(z, Vector<double>.Zero), tail - Vector<double>.One, Vector<double>.One - tail);
        return Vector.ConditionalSelect(Vector.LessThanOrEqual(a, new Vector<double>(Split)), ErfSmall(z, z2), large);
    }

    private static Vector<double> ErfcCore(Vector<double> z)
    {
        var a = Vector.Abs(z);
        var z2 = z * z;
        var tail = ExpNonPositive(-z2) * ScaledTail(a); // erfc(|z|)
        var large = Vector.ConditionalSelect(Vector.LessThan(z, Vector<double>.Zero), new Vector<double>(2.0) - tail, tail);
        return Vector.ConditionalSelect(Vector.LessThanOrEqual(a, new Vector<double>(Split)), Vector<double>.One - ErfSmall(z, z2), large);
    }

    /// <summary>Φ(x), and exp(−x²/2) (the unnormalised density, which GELU's derivative needs) as a by-product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> NormalCdfCore(Vector<double> x, out Vector<double> expHalfSquare)
    {
        var half = new Vector<double>(0.5);
        var z = x * new Vector<double>(InvSqrt2);
        var a = Vector.Abs(z);
        var z2 = x * x * half; // exact: x is a float32 value
        expHalfSquare = ExpNonPositive(-z2);
        var lower = half * expHalfSquare * ScaledTail(a); // Φ(−|x|)
        var large = Vector.ConditionalSelect(Vector.LessThan(x, Vector<double>.Zero), lower, Vector<double>.One - lower);
        var small = Vector.FusedMultiplyAdd(half, ErfSmall(z, z * z), half);
        return Vector.ConditionalSelect(Vector.LessThanOrEqual(a, new Vector<double>(Split)), small, large);
    }

    /// <summary>The standard normal density φ(x) from exp(−x²/2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> Density(Vector<double> expHalfSquare) => expHalfSquare * new Vector<double>(InvSqrt2Pi);

    private readonly struct ErfFunction : IFloat64Function
    {
        public static Vector<double> Apply(Vector<double> x) => ErfCore(x);
    }

    private readonly struct ErfcFunction : IFloat64Function
    {
        public static Vector<double> Apply(Vector<double> x) => ErfcCore(x);
    }

    private readonly struct NormalCdfFunction : IFloat64Function
    {
        public static Vector<double> Apply(Vector<double> x) => NormalCdfCore(x, out _);
    }
}
