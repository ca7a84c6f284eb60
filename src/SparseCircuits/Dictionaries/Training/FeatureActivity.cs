namespace SparseCircuits.Dictionaries.Training;

/// <summary>For every feature, how many rows have gone by since it last fired: dead features are those silent for a
/// whole window.</summary>
public sealed class FeatureActivity
{
    private readonly long[] silentRows;

    public FeatureActivity(int width) => silentRows = new long[width];

    public int Width => silentRows.Length;

    /// <summary>Updates from dense features [N, F] of one batch.</summary>
    public void Observe(ReadOnlySpan<float> features, int rows)
    {
        int f = silentRows.Length;
        var fired = new bool[f];
        for (int r = 0; r < rows; r++)
        {
            var row = features.Slice(r * f, f);
            for (int j = 0; j < f; j++) if (row[j] != 0) fired[j] = true;
        }
        for (int j = 0; j < f; j++) silentRows[j] = fired[j] ? 0 : silentRows[j] + rows;
    }

    public long SilentRows(int feature) => silentRows[feature];

    /// <summary>Features silent for at least <paramref name="window"/> rows, ascending.</summary>
    public int[] Dead(long window)
    {
        var dead = new List<int>();
        for (int j = 0; j < silentRows.Length; j++) if (silentRows[j] >= window) dead.Add(j);
        return dead.ToArray();
    }

    /// <summary>A fresh start for a re-initialised feature.</summary>
    public void Reset(int feature) => silentRows[feature] = 0;
}
