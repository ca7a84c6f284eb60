using System.Text.Json;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>Aggregated node effects of every method equal the PyTorch reference results on the fixtures.</summary>
public sealed class NodeEffectsFixtureTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void AttributionPatchingEqualsPyTorch(string arch) =>
        CompareWithJson(arch, $"{arch}_atp_none.json", new AttributionOptions { Method = AttributionMethod.AttributionPatching }, NodeAggregation.None);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void ExactPatchingEqualsPyTorch(string arch) =>
        CompareWithJson(arch, $"{arch}_exact_none.json", new AttributionOptions { Method = AttributionMethod.Exact }, NodeAggregation.None);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void JumpReluIntegratedGradientsSummedEqualPyTorch(string arch) =>
        CompareWithJson(arch, $"{arch}_jumprelu_ig_sum_edges.json", new AttributionOptions { Steps = 10 }, NodeAggregation.Sum, "saelens_jumprelu");

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void AggregatedIntegratedGradientsEqualPyTorch(string arch)
    {
        var batches = AttributionFixture.Run(arch, new AttributionOptions { Steps = 10 });
        var nodes = Aggregate(batches, NodeAggregation.None);
        using var expected = SafetensorsFile.Open(AttributionFixture.ResultPath($"{arch}_ig_none.safetensors"));
        foreach (var node in nodes)
        {
            var want = expected.ReadTensor($"nodes.{node.Site}");
            Assert.Equal(want.ShapeArray, node.Effects.ShapeArray);
            Fixtures.AssertRelative(want.Span, node.Effects, 1e-4, $"{arch} nodes.{node.Site}");
        }
    }

    private static IReadOnlyList<SparseCircuits.Circuits.NodeEffects> Aggregate(IReadOnlyList<BatchAttribution> batches, NodeAggregation aggregation)
    {
        var accumulator = new EffectAccumulator(aggregation);
        foreach (var b in batches) accumulator.Add(b);
        Assert.Equal(16, accumulator.Examples);
        return accumulator.Result();
    }

    private static void CompareWithJson(string arch, string file, AttributionOptions options, NodeAggregation aggregation, string dictionaries = "dictionaries")
    {
        var batches = AttributionFixture.Run(arch, options, dictionaries);
        using var json = AttributionFixture.Result(file);
        var root = json.RootElement;
        var metric = root.GetProperty("metric");
        var clean = batches.SelectMany(b => b.CleanMetric).ToArray();
        var patch = batches.SelectMany(b => b.PatchMetric!).ToArray();
        Fixtures.AssertRelative(AttributionFixture.Floats(metric.GetProperty("clean")), Tensor.FromArray(clean, clean.Length), 1e-5, "metric.clean");
        Fixtures.AssertRelative(AttributionFixture.Floats(metric.GetProperty("patch")), Tensor.FromArray(patch, patch.Length), 1e-5, "metric.patch");
        var total = clean.Zip(patch, (c, p) => p - c).ToArray();
        Fixtures.AssertRelative(AttributionFixture.Floats(metric.GetProperty("total_effect")), Tensor.FromArray(total, total.Length), 1e-5, "metric.total_effect");

        var nodes = Aggregate(batches, aggregation);
        Assert.Equal(root.GetProperty("sites").EnumerateArray().Select(s => s.GetString()), nodes.Select(n => n.Site));
        foreach (var node in nodes)
        {
            var want = root.GetProperty("nodes").GetProperty(node.Site);
            Assert.Equal(Fixtures.Ints(want.GetProperty("shape")), node.Effects.ShapeArray);
            var dense = aggregation == NodeAggregation.None ? Fixtures.Matrix(want.GetProperty("dense")) : AttributionFixture.Floats(want.GetProperty("dense"));
            Fixtures.AssertRelative(dense, node.Effects, 1e-4, $"{file} nodes.{node.Site}");
            Assert.Equal(want.GetProperty("sum").GetDouble(), node.Effects.Span.ToArray().Sum(v => (double)v), 1e-4 * Math.Max(1, want.GetProperty("abs_sum").GetDouble()));
        }
    }
}
