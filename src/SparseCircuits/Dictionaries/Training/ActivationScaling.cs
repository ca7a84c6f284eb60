namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// The factor s that rescales activations so that E‖s·x‖² = d. Training on rescaled activations makes learning rates
/// and sparsity coefficients mean the same at every site; the factor is recorded in cfg.json and folded back into the
/// saved weights (<see cref="TrainableSae.Unscaled"/>), so the saved dictionary reads raw activations.
/// </summary>
public static class ActivationScaling
{
    /// <summary>√(d / mean‖x‖²) over the rows of <paramref name="rows"/> ([N, d] row-major); 1 for all-zero rows.</summary>
    public static float Factor(ReadOnlySpan<float> rows, int d)
    {
        if (d <= 0 || rows.Length % d != 0 || rows.Length == 0) throw new ArgumentException("Need at least one row of d values.");
        double sum = 0;
        foreach (var v in rows) sum += (double)v * v;
        double meanSquaredNorm = sum / (rows.Length / d);
        return meanSquaredNorm > 0 ? (float)Math.Sqrt(d / meanSquaredNorm) : 1f;
    }
}
