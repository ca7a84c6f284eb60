namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// The geometric median of a set of points (the point minimising the sum of Euclidean distances), by Weiszfeld's
/// iteration in float64 from the mean. It initialises an SAE's decoder bias: a centre that outlying activations (e.g.
/// the first token's) do not drag away.
/// </summary>
public static class GeometricMedian
{
    public static float[] Of(ReadOnlySpan<float> rows, int d, int maxIterations = 100, double tolerance = 1e-7)
    {
        int n = rows.Length / d;
        if (n == 0 || rows.Length % d != 0) throw new ArgumentException("Need at least one row of d values.");
        var y = new double[d];
        for (int r = 0; r < n; r++)
            for (int j = 0; j < d; j++) y[j] += rows[r * d + j];
        for (int j = 0; j < d; j++) y[j] /= n;

        var next = new double[d];
        for (int it = 0; it < maxIterations; it++)
        {
            Array.Clear(next);
            double weightSum = 0;
            for (int r = 0; r < n; r++)
            {
                var row = rows.Slice(r * d, d);
                double dist = 0;
                for (int j = 0; j < d; j++) dist += (row[j] - y[j]) * (row[j] - y[j]);
                dist = Math.Sqrt(dist);
                if (dist < 1e-12) continue; // a data point at the estimate: Weiszfeld skips it
                double w = 1 / dist;
                weightSum += w;
                for (int j = 0; j < d; j++) next[j] += w * row[j];
            }
            if (weightSum == 0) break;
            double move = 0, size = 0;
            for (int j = 0; j < d; j++)
            {
                next[j] /= weightSum;
                move += (next[j] - y[j]) * (next[j] - y[j]);
                size += next[j] * next[j];
            }
            (y, next) = (next, y);
            if (Math.Sqrt(move) <= tolerance * Math.Max(1, Math.Sqrt(size))) break;
        }
        return y.Select(v => (float)v).ToArray();
    }
}
