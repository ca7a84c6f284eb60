using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>IG node effects and metrics equal those of the PyTorch reference implementation on the fixtures.</summary>
public sealed class IntegratedGradientsFixtureTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void PerExampleEffectsAndMetricEqualPyTorch(string arch)
    {
        var batches = AttributionFixture.Run(arch, new AttributionOptions { Steps = 10 });
        using var expected = SafetensorsFile.Open(AttributionFixture.ResultPath($"{arch}_ig_none.safetensors"));
        foreach (var site in batches[0].Sites.Keys)
        {
            var want = expected.ReadTensor($"ie.{site.Name}");
            Fixtures.AssertRelative(want.Span, Vector(AttributionFixture.Effects(batches, site)), 1e-4, $"{arch} ie.{site}");
        }
        using var json = AttributionFixture.Result($"{arch}_ig_none_edges.json");
        var metric = json.RootElement.GetProperty("metric");
        var clean = batches.SelectMany(b => b.CleanMetric).ToArray();
        var patch = batches.SelectMany(b => b.PatchMetric!).ToArray();
        Fixtures.AssertRelative(AttributionFixture.Floats(metric.GetProperty("clean")), Vector(clean), 1e-5, "metric.clean");
        Fixtures.AssertRelative(AttributionFixture.Floats(metric.GetProperty("patch")), Vector(patch), 1e-5, "metric.patch");
    }

    private static Tensor Vector(float[] values) => Tensor.FromArray(values, values.Length);
}
