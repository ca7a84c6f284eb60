namespace SparseCircuits.Dictionaries.Quality;

/// <summary>Running float64 sums for one site: squared errors, the activations' first and second moments per
/// dimension, active-feature counts per feature.</summary>
internal sealed class ReconstructionStats
{
    private readonly double[] sum;
    private readonly double[] sumSquares;
    private readonly long[] fires;
    private double squaredError;
    private long nonZeros;

    public ReconstructionStats(int dim, int width)
    {
        sum = new double[dim];
        sumSquares = new double[dim];
        fires = new long[width];
    }

    public long Tokens { get; private set; }

    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> reconstruction, SparseCodes codes)
    {
        int d = sum.Length, n = codes.Rows;
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < d; j++)
            {
                double v = x[r * d + j];
                double e = v - reconstruction[r * d + j];
                sum[j] += v;
                sumSquares[j] += v * v;
                squaredError += e * e;
            }
        }
        foreach (int i in codes.Indices) fires[i]++;
        nonZeros += codes.NonZeros;
        Tokens += n;
    }

    public double L0 => Tokens == 0 ? 0 : (double)nonZeros / Tokens;

    public double Mse => Tokens == 0 ? 0 : squaredError / (Tokens * (double)sum.Length);

    public double ExplainedVariance
    {
        get
        {
            double total = 0;
            for (int j = 0; j < sum.Length; j++) total += sumSquares[j] - sum[j] * sum[j] / Math.Max(1, Tokens);
            return total > 0 ? 1 - squaredError / total : 0;
        }
    }

    public double DeadFraction => fires.Count(c => c == 0) / (double)fires.Length;

    public double DenseFraction(double threshold) => fires.Count(c => c > threshold * Tokens) / (double)fires.Length;
}
