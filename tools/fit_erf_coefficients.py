#!/usr/bin/python3
"""Fits the polynomial coefficients used by src/SparseCircuits/Tensors/Ops/ErrorFunction.cs.

The kernel evaluates in float64 (inputs are float32) and needs erf, erfc and the normal CDF to well below one float32
ulp (2^-24 ~ 6e-8 relative), so the fits aim at ~1e-10 relative error:

  |z| <= 0.75 : erf(z)  = z * (2/sqrt(pi) + z^2 * P(z^2))
  |z| >  0.75 : erfc(z) = exp(-z^2) * Q(t),  t = 1 / (1 + p |z|),  fitted on 0.75 <= z <= 12
                (beyond 12, erfc(z) < 1e-63: zero in float32, so the kernel clamps z there).

Ground truth comes from mpmath at 40 digits. Fitting is least squares on relative error, re-weighted towards the
minimax solution (Lawson's iteration). Deterministic; prints C# constants and the achieved relative errors.
Run: /usr/bin/python3 tools/fit_erf_coefficients.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
SPLIT = 0.75
P_SCALE = 0.4
Z_MAX = 12.0
DEGREE_SMALL = 5
DEGREE_TAIL = 11


def lawson_fit(x, y, degree, iterations=60):
    """Polynomial in x minimising max |approx/y - 1| (approximately, by iteratively re-weighted least squares)."""
    basis = np.vander(x, degree + 1, increasing=True)
    inv = 1.0 / np.abs(y)
    weights = np.ones_like(x)
    for _ in range(iterations):
        w = inv * np.sqrt(weights)
        coef, *_ = np.linalg.lstsq(basis * w[:, None], y * w, rcond=None)
        err = (basis @ coef - y) * inv
        weights = weights * np.abs(err)
        weights /= weights.mean()
    return coef


def small_target(z):
    # (erf(z)/z - 2/sqrt(pi)) / z^2 from the Maclaurin series, so there is no cancellation near 0.
    z = mp.mpf(z)
    total = mp.mpf(0)
    for n in range(1, 60):
        total += (-1) ** n * z ** (2 * n - 2) / (mp.factorial(n) * (2 * n + 1))
    return float(2 / mp.sqrt(mp.pi) * total)


def main():
    zs = np.linspace(0.0, SPLIT, 4001)
    u = zs * zs
    small = lawson_fit(u, np.array([small_target(z) for z in zs]), DEGREE_SMALL)

    zt = np.linspace(SPLIT, Z_MAX, 12001)
    t = 1.0 / (1.0 + P_SCALE * zt)
    q = np.array([float(mp.erfc(z) * mp.exp(mp.mpf(z) ** 2)) for z in zt])
    tail = lawson_fit(t, q, DEGREE_TAIL)

    # Check against fresh points, in the quantities the kernel returns.
    c0 = 2 / np.sqrt(np.pi)
    check_small = np.linspace(1e-6, SPLIT, 7919)
    approx = check_small * (c0 + check_small ** 2 * np.polyval(small[::-1], check_small ** 2))
    exact = np.array([float(mp.erf(z)) for z in check_small])
    err_small = np.max(np.abs(approx / exact - 1))
    check_tail = np.linspace(SPLIT, Z_MAX, 7919)
    tt = 1.0 / (1.0 + P_SCALE * check_tail)
    approx = np.polyval(tail[::-1], tt)
    exact = np.array([float(mp.erfc(z) * mp.exp(mp.mpf(z) ** 2)) for z in check_tail])
    err_tail = np.max(np.abs(approx / exact - 1))

    def cs(prefix, c):
        return "\n".join(f"    private const double {prefix}{i} = {float(v)!r};" for i, v in enumerate(c))
    print(f"// SPLIT = {SPLIT}, P_SCALE = {P_SCALE}, Z_MAX = {Z_MAX}")
    print(f"// max relative error: erf on [0, {SPLIT}] {err_small:.2e}; erfc on [{SPLIT}, {Z_MAX}] {err_tail:.2e}")
    print(cs("S", small))
    print(cs("T", tail))


if __name__ == "__main__":
    main()
