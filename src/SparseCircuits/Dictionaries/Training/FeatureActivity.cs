namespace SparseCircuits.Dictionaries.Training;

/// <summary>For every feature, how many rows have gone by since it last fired: dead features are those silent for a
/// whole window.</summary>
public sealed class FeatureActivity
{
    private readonly long[] silentRows;

    public FeatureActivity(int width) => silentRows = new long[width];

    public int Width => silentRows.Length;

    /// <summary>Updates from the features of one batch.</summary>
    public void Observe(SparseCodes codes)
    {
        var fired = new bool[silentRows.Length];
        foreach (int j in codes.Indices) fired[j] = true;
        for (int j = 0; j < fired.Length; j++) silentRows[j] = fired[j] ? 0 : silentRows[j] + codes.Rows;
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
