using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Models;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// The sparse edge accumulator against dense float64 sums of the same random edges: "none" keeps positions and "sum"
/// adds them up, both averaged over the examples of every batch; only nonzero entries are reported, in index order.
/// </summary>
public class EdgeAccumulatorTests
{
    private const int S = 4, FDown = 5, FUp = 6;

    [Theory]
    [InlineData(NodeAggregation.None)]
    [InlineData(NodeAggregation.Sum)]
    public void SparseSumsEqualDenseSums(NodeAggregation aggregation)
    {
        var rng = new Random((int)aggregation + 1);
        var type = new EdgeType(Site.ResidPost(0), Site.ResidPost(1), []);
        var acc = new EdgeAccumulator(type, aggregation, S, FDown, FUp);
        int upWidth = FUp + 1, downWidth = FDown + 1;
        var dense = new double[S * downWidth * S * upWidth]; // [p, i, q, j]
        int examples = 0;
        for (int batch = 0; batch < 3; batch++)
        {
            int count = 2 + batch;
            examples += count;
            var edges = new List<DownstreamEdges>();
            for (int n = 0; n < 9; n++)
            {
                int p = rng.Next(S), i = n % 3 == 0 ? FDown : rng.Next(FDown);
                var indices = Enumerable.Range(0, S * upWidth).Where(_ => rng.NextDouble() < 0.4).ToArray();
                var values = indices.Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
                edges.Add(new DownstreamEdges(rng.Next(count), p, i, indices, values, S * upWidth));
                for (int e = 0; e < indices.Length; e++) dense[(p * downWidth + i) * S * upWidth + indices[e]] += values[e];
            }
            acc.Add(edges, count);
        }

        var result = acc.ToEffects();

        var expected = new Dictionary<string, double>();
        for (int p = 0; p < S; p++)
            for (int i = 0; i < downWidth; i++)
                for (int q = 0; q < S; q++)
                    for (int j = 0; j < upWidth; j++)
                    {
                        double v = dense[((p * downWidth + i) * S + q) * upWidth + j];
                        string key = aggregation == NodeAggregation.None ? $"{p},{i},{q},{j}" : $"{i},{j}";
                        expected[key] = expected.GetValueOrDefault(key) + v;
                    }
        var nonzero = expected.Where(e => (float)(e.Value / examples) != 0).ToDictionary(e => e.Key, e => e.Value / examples);
        int width = aggregation == NodeAggregation.None ? 4 : 2;
        Assert.Equal(nonzero.Count, result.Count);
        string? previous = null;
        for (int e = 0; e < result.Count; e++)
        {
            var index = result.Indices.Skip(e * width).Take(width).ToArray();
            string key = string.Join(",", index);
            Assert.True(nonzero.TryGetValue(key, out var want), $"unexpected entry {key}");
            Assert.True(Math.Abs(want - result.Values[e]) <= 1e-6 * (1 + Math.Abs(want)), $"{key}: {result.Values[e]} vs {want}");
            if (previous is not null) Assert.True(Compare(previous, key) < 0, $"{previous} before {key}");
            previous = key;
        }
    }

    private static int Compare(string a, string b)
    {
        var x = a.Split(',').Select(long.Parse).ToArray();
        var y = b.Split(',').Select(long.Parse).ToArray();
        for (int i = 0; i < x.Length; i++)
            if (x[i] != y[i]) return x[i].CompareTo(y[i]);
        return 0;
    }
}
