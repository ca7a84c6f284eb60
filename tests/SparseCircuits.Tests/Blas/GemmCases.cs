namespace SparseCircuits.Tests.Blas;

/// <summary>Deterministic GEMM test shapes: odd sizes that leave partial micro-tiles, every transpose combination,
/// several alpha/beta values and padded (sub-matrix) operands.</summary>
internal static class GemmCases
{
    private static readonly int[] OddSizes = [1, 3, 17, 33, 65, 127, 130];
    private static readonly (float Alpha, float Beta)[] Scalings = [(1f, 0f), (-0.5f, 1f), (2.5f, 0.75f), (1f, -1f)];

    /// <summary>(m, n, k, transA, transB, alpha, beta, pad): <paramref name="perTranspose"/> random shapes for each of
    /// the four transpose combinations.</summary>
    public static TheoryData<int, int, int, bool, bool, float, float, int> OddShapes(int perTranspose, int seed)
    {
        var rng = new Random(seed);
        var data = new TheoryData<int, int, int, bool, bool, float, float, int>();
        var seen = new HashSet<(int, int, int, bool, bool, float, float, int)>();
        foreach (var (transA, transB) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            for (int added = 0; added < perTranspose;)
            {
                var (alpha, beta) = Scalings[rng.Next(Scalings.Length)];
                var c = (OddSizes[rng.Next(OddSizes.Length)], OddSizes[rng.Next(OddSizes.Length)],
                    OddSizes[rng.Next(OddSizes.Length)], transA, transB, alpha, beta, rng.Next(2) * 5);
                if (!seen.Add(c)) continue;
                data.Add(c.Item1, c.Item2, c.Item3, c.Item4, c.Item5, c.Item6, c.Item7, c.Item8);
                added++;
            }
        }

        return data;
    }

    /// <summary>Shapes that span several depth (KC = 256), row (MC) and column (NC = 1024) blocks, with ragged ends.</summary>
    public static TheoryData<int, int, int, bool, bool, float, float, int> BlockCrossingShapes()
    {
        var data = new TheoryData<int, int, int, bool, bool, float, float, int>();
        data.Add(261, 1030, 515, false, false, 1f, 0f, 0);
        data.Add(261, 1030, 515, false, true, 0.5f, 1f, 3);
        data.Add(517, 70, 257, true, false, 1f, 0.25f, 1);
        data.Add(60, 2070, 300, true, true, -1f, 0f, 0);
        return data;
    }
}
