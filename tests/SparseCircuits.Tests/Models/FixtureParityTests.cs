using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

/// <summary>Logits and every site's activation equal what PyTorch computed with the Hugging Face modeling code.</summary>
public class FixtureParityTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void LogitsAndSitesMatchPyTorch(string arch)
    {
        var model = Fixtures.Model(arch);
        using var expected = Fixtures.Expected(arch);
        var root = expected.RootElement;
        var ids = Fixtures.Ints(root.GetProperty("ids"));
        var seen = new Dictionary<string, Tensor>();
        var hooks = new ForwardHooks();
        foreach (var site in Site.DictionarySites(model.Config))
        {
            var name = site.Name;
            hooks.Read(name, a => seen[name] = a.Clone());
        }
        var logits = model.Forward(TokenBatch.Single(ids), hooks);
        Assert.Equal(new[] { 1, ids.Length, model.Config.VocabSize }, logits.ShapeArray);
        Fixtures.AssertRelative(Fixtures.Matrix(root.GetProperty("logits")), logits, 1e-4, $"{arch} logits");
        foreach (var site in root.GetProperty("site_activations").EnumerateObject())
            Fixtures.AssertRelative(Fixtures.Matrix(site.Value), seen[site.Name], 1e-4, $"{arch} site {site.Name}");
    }

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void BatchedRowsEqualSingleRuns(string arch)
    {
        var model = Fixtures.Model(arch);
        int[] a = { 5, 17, 3, 88, 41 }, b = { 60, 2, 2, 9, 70 };
        var both = model.Forward(TokenBatch.Stack(new[] { a, b }));
        var onlyB = model.Forward(TokenBatch.Single(b));
        Fixtures.AssertRelative(onlyB.Span, both.SliceRows(1, 1), 1e-5, "row 1 of a batch vs alone");
    }
}
