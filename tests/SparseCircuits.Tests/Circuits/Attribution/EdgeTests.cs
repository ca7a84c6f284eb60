using System.Text.Json;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;
using Xunit;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>Edge effects (algorithm §5) equal those of the PyTorch reference implementation on the fixtures.</summary>
public sealed class EdgeTests
{
    private const double NodeThreshold = 0.1;
    private const int Positions = 6;

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void EdgesWithAggregationNoneEqualPyTorch(string arch) =>
        CompareWithFixture(arch, "dictionaries", NodeAggregation.None, $"{arch}_ig_none_edges.json");

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    public void JumpReluEdgesWithAggregationSumEqualPyTorch(string arch) =>
        CompareWithFixture(arch, "saelens_jumprelu", NodeAggregation.Sum, $"{arch}_jumprelu_ig_sum_edges.json");

    /// <summary>
    /// Aggregation "last" (Jackson's fork: keep downstream and upstream position S−1, mean over examples) equals the
    /// PyTorch "none" edges at (S−1, ·, S−1, ·) — every such entry in the reference's top list — and, entry for entry, the
    /// "none" aggregation of the same run at the final positions (which the "last" run reaches with fewer seeds).
    /// </summary>
    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    public void EdgesWithAggregationLastAreTheNoneEdgesAtTheFinalPosition(string arch)
    {
        var batches = AttributionFixture.Run(arch, new AttributionOptions { Steps = 10 });
        var model = AttributionFixture.Model(arch);
        var dicts = AttributionFixture.Dictionaries(arch, model);
        var none = new EdgeAttributor(model, dicts, NodeAggregation.None, Positions, NodeThreshold);
        var last = new EdgeAttributor(model, dicts, NodeAggregation.Last, Positions, NodeThreshold);
        foreach (var batch in batches)
        {
            none.Add(batch);
            last.Add(batch);
        }
        var noneEdges = none.Finish();
        var lastEdges = last.Finish();
        using var json = AttributionFixture.Result($"{arch}_ig_none_edges.json");
        var failures = new List<string>();
        int fromReference = 0;
        for (int t = 0; t < noneEdges.Count; t++)
        {
            string key = $"{lastEdges[t].Upstream}->{lastEdges[t].Downstream}";
            Assert.Equal($"{noneEdges[t].Upstream}->{noneEdges[t].Downstream}", key);
            var atEnd = new Dictionary<(long, long), float>();
            var n = noneEdges[t];
            for (int k = 0; k < n.Count; k++)
                if (n.Indices[4 * k] == Positions - 1 && n.Indices[4 * k + 2] == Positions - 1)
                    atEnd[(n.Indices[4 * k + 1], n.Indices[4 * k + 3])] = n.Values[k];
            var l = lastEdges[t];
            Assert.Equal(2 * l.Count, l.Indices.Length);
            var ours = new Dictionary<(long, long), float>();
            for (int k = 0; k < l.Count; k++) ours[(l.Indices[2 * k], l.Indices[2 * k + 1])] = l.Values[k];
            double scale = atEnd.Values.Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
            foreach (var index in atEnd.Keys.Union(ours.Keys))
            {
                double want = atEnd.GetValueOrDefault(index), got = ours.GetValueOrDefault(index);
                if (Math.Abs(want - got) > 1e-6 * scale + 1e-4 * Math.Abs(want)) failures.Add($"{key} {index}: last {got} vs none {want}");
            }
            foreach (var top in json.RootElement.GetProperty("edges").GetProperty(key).GetProperty("top").EnumerateArray())
            {
                var a = top.EnumerateArray().ToArray();
                if (a[0].GetInt32() != Positions - 1 || a[2].GetInt32() != Positions - 1) continue;
                fromReference++;
                double want = a[4].GetDouble(), got = ours.GetValueOrDefault((a[1].GetInt64(), a[3].GetInt64()));
                if (!Close(want, got, Math.Abs(want))) failures.Add($"{key} ({a[1]}, {a[3]}): last {got} vs PyTorch {want}");
            }
        }
        Assert.True(fromReference >= 10, $"only {fromReference} reference entries at the final positions");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
        // Only final-position downstream nodes were seeded.
        Assert.True(last.ActiveDownstreamNodes.Values.Sum() < none.ActiveDownstreamNodes.Values.Sum());
    }

    /// <summary>
    /// Path decomposition (algorithm §15.6): for parallel blocks V(none) − V(stop mlp) − V(stop attn) + V(stop both) = 0
    /// for the VJP from resid_l nodes into resid_{l−1}; for sequential blocks it is the resid → attn → mlp → resid path,
    /// which is not 0. The stop-gradients must also actually change the VJP.
    /// </summary>
    [SharedTheory]
    [InlineData("tiny_gpt_neox", true)]
    [InlineData("tiny_gpt2", false)]
    public void ResidualPathDecomposition(string arch, bool parallel)
    {
        var model = AttributionFixture.Model(arch);
        Assert.Equal(parallel, model.Config.ParallelResidual);
        var dicts = AttributionFixture.Dictionaries(arch, model);
        var batch = ExampleBatches.Split(AttributionFixture.Examples(arch), AttributionFixture.BatchSize)[0];
        var nodes = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Steps = 10 });
        var clean = BatchActivations.Capture(model, TokenBatch.Stack(batch.CleanIds), dicts.Sites);
        var down = Site.ResidPost(1);
        var active = NodeSelection.Active(nodes.Sites[down], NodeThreshold);
        Assert.NotEmpty(active);
        Assert.Contains(active, n => n.Index == dicts[down].Width); // the error-node seed is exercised too
        float[] V(params Site[] stops) => EdgeAttribution.UpstreamGradients(model, dicts[down], clean,
            new EdgeType(Site.ResidPost(0), down, stops), nodes.Sites[down], active).ToArray();
        var none = V();
        var stopMlp = V(Site.MlpOut(1));
        var stopAttn = V(Site.AttnOut(1));
        var stopBoth = V(Site.MlpOut(1), Site.AttnOut(1));
        double scale = none.Max(v => Math.Abs((double)v));
        double residual = 0, mlpChange = 0, attnChange = 0;
        for (int i = 0; i < none.Length; i++)
        {
            residual = Math.Max(residual, Math.Abs((double)none[i] - stopMlp[i] - stopAttn[i] + stopBoth[i]));
            mlpChange = Math.Max(mlpChange, Math.Abs((double)none[i] - stopMlp[i]));
            attnChange = Math.Max(attnChange, Math.Abs((double)none[i] - stopAttn[i]));
        }
        Assert.True(mlpChange > 1e-3 * scale && attnChange > 1e-3 * scale, $"stops changed nothing: {mlpChange}, {attnChange} of {scale}");
        if (parallel) Assert.True(residual <= 1e-5 * scale, $"path identity off by {residual} (scale {scale})");
        else Assert.True(residual > 1e-4 * scale, $"sequential attn→mlp path vanished: {residual} (scale {scale})");
    }

    private static void CompareWithFixture(string arch, string folder, NodeAggregation aggregation, string resultName)
    {
        var batches = AttributionFixture.Run(arch, new AttributionOptions { Steps = 10 }, folder);
        var model = AttributionFixture.Model(arch);
        var dicts = AttributionFixture.Dictionaries(arch, model, folder);
        var attributor = new EdgeAttributor(model, dicts, aggregation, Positions, NodeThreshold);
        foreach (var batch in batches) attributor.Add(batch);
        var edges = attributor.Finish();
        int width = aggregation == NodeAggregation.None ? 4 : 2;

        using var json = AttributionFixture.Result(resultName);
        var expected = json.RootElement.GetProperty("edges");
        // resid_last -> y is the resid_last node effects themselves, not computed by the edge attributor
        Assert.Equal(expected.EnumerateObject().Count(p => !p.Name.EndsWith("->y", StringComparison.Ordinal)), edges.Count);
        var failures = new List<string>();
        foreach (var e in edges)
        {
            string key = $"{e.Upstream}->{e.Downstream}";
            var want = expected.GetProperty(key);
            Assert.Equal(want.GetProperty("n_active_downstream_nodes").GetInt32(), attributor.ActiveDownstreamNodes[key]);
            Assert.Equal(width * e.Count, e.Indices.Length);
            var ours = new Dictionary<string, float>();
            for (int n = 0; n < e.Count; n++) ours[string.Join(",", e.Indices.Skip(width * n).Take(width))] = e.Values[n];
            double scale = want.GetProperty("abs_sum").GetDouble();
            double sum = e.Values.Sum(v => (double)v);
            if (!Close(want.GetProperty("sum").GetDouble(), sum, scale)) failures.Add($"{key}: sum {sum} vs {want.GetProperty("sum").GetDouble()}");
            double absSum = e.Values.Sum(v => Math.Abs((double)v));
            if (!Close(scale, absSum, scale)) failures.Add($"{key}: abs_sum {absSum} vs {scale}");
            int nnz = want.GetProperty("nnz").GetInt32();
            if (Math.Abs(nnz - e.Count) > 0) failures.Add($"{key}: nnz {e.Count} vs {nnz}");
            foreach (var t in want.GetProperty("top").EnumerateArray())
            {
                var a = t.EnumerateArray().ToArray();
                string index = string.Join(",", a.Take(width).Select(x => x.GetInt64()));
                double v = a[width].GetDouble();
                double got = ours.GetValueOrDefault(index);
                if (!Close(v, got, Math.Abs(v))) failures.Add($"{key}: ({index}) = {got} vs {v}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
    }

    /// <summary>1e-4 relative to the value, with a floor of 1e-5 of the edge type's scale (float32 noise of tiny entries).</summary>
    private static bool Close(double want, double got, double scale) =>
        Math.Abs(want - got) <= 1e-4 * Math.Abs(want) + 1e-5 * Math.Max(scale, 1e-3);
}
