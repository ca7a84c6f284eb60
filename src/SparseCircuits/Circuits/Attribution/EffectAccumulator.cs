using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Aggregates node effects over batches (algorithm §4): the batch-weighted mean over all examples (Σ len(batch) ·
/// batch mean / N, i.e. the mean over examples), after summing over positions ("sum"), keeping them ("none") or keeping
/// the last ("last"). Sums are kept in float64. Also averages the clean and patch metrics.
/// </summary>
public sealed class EffectAccumulator
{
    private readonly Dictionary<Site, double[]> sums = new();
    private readonly List<Site> order = new();
    private int? length;
    private double cleanMetric, patchMetric;
    private int patchCount;

    public EffectAccumulator(NodeAggregation aggregation) => Aggregation = aggregation;

    public NodeAggregation Aggregation { get; }

    /// <summary>Examples added so far.</summary>
    public int Examples { get; private set; }

    public void Add(BatchAttribution batch)
    {
        foreach (var (site, node) in batch.Sites)
        {
            var effects = node.Effects; // [B, S, F+1]
            int b = effects.Dim(0), s = effects.Dim(1), width = effects.Dim(2);
            if (Aggregation == NodeAggregation.None)
            {
                if (length is { } l && l != s)
                    throw new SfcInputException($"aggregation 'none' needs every example to have the same token length; found {l} and {s} (use --aggregation sum or last)");
                length = s;
            }
            int outRows = Aggregation == NodeAggregation.None ? s : 1;
            if (!sums.TryGetValue(site, out var sum))
            {
                sums[site] = sum = new double[outRows * width];
                order.Add(site);
            }
            if (sum.Length != outRows * width) throw new ArgumentException($"Site {site}: effects of shape {effects} do not match earlier batches.");
            var e = effects.Span;
            for (int ex = 0; ex < b; ex++)
            {
                for (int p = Aggregation == NodeAggregation.Last ? s - 1 : 0; p < s; p++)
                {
                    var row = e.Slice((ex * s + p) * width, width);
                    int offset = Aggregation == NodeAggregation.None ? p * width : 0;
                    for (int i = 0; i < width; i++) sum[offset + i] += row[i];
                }
            }
        }
        Examples += batch.Count;
        foreach (var m in batch.CleanMetric) cleanMetric += m;
        if (batch.PatchMetric is { } patch)
        {
            foreach (var m in patch) patchMetric += m;
            patchCount += patch.Length;
        }
    }

    /// <summary>The aggregated effects per site in forward order: [F+1] (sum, last) or [S, F+1] (none).</summary>
    public IReadOnlyList<NodeEffects> Result()
    {
        if (Examples == 0) throw new InvalidOperationException("No examples were added.");
        return order.OrderBy(s => s.Order).Select(site =>
        {
            var sum = sums[site];
            var values = sum.Select(v => (float)(v / Examples)).ToArray();
            int width = Aggregation == NodeAggregation.None ? sum.Length / length!.Value : sum.Length;
            var tensor = Aggregation == NodeAggregation.None ? Tensor.FromArray(values, length!.Value, width) : Tensor.FromArray(values, width);
            return new NodeEffects(site.Name, tensor);
        }).ToList();
    }

    /// <summary>The metric averaged over examples on the clean run and the patch run (NaN without patch runs).</summary>
    public CircuitMetric Metric() => new(Examples == 0 ? double.NaN : cleanMetric / Examples, patchCount == 0 ? double.NaN : patchMetric / patchCount);
}
