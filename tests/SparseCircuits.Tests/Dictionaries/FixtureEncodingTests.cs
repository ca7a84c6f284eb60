using System.Text.Json;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>
/// The fixture dictionaries (dictionary_learning ae.pt, SAELens standard and JumpReLU) encode the fixture's site
/// activations into the codes PyTorch computed (expected/tiny_*_logits.json), densely and sparsely, and decode them into
/// PyTorch's reconstructions.
/// </summary>
public class FixtureEncodingTests
{
    public static TheoryData<string, string, string> Sets()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var arch in Fixtures.Architectures)
        {
            data.Add(arch, "dictionaries", "sae_features_dl");
            data.Add(arch, "saelens", "sae_features_saelens");
            data.Add(arch, "saelens_jumprelu", "sae_features_jumprelu");
        }
        return data;
    }

    [SharedTheory]
    [MemberData(nameof(Sets))]
    public void EncodingsEqualPyTorch(string arch, string folder, string expectedKey)
    {
        var config = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir(arch), "config.json"));
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), folder), config);
        using var expected = Fixtures.Expected(arch);
        var root = expected.RootElement;
        var sites = root.GetProperty(expectedKey).EnumerateObject().ToList();
        Assert.Equal(sites.Count, set.Count);
        foreach (var site in sites)
        {
            var dict = set[Site.Parse(site.Name)];
            var x = Activations(root, site.Name, config.DModel);
            var want = Fixtures.Matrix(site.Value);
            Fixtures.AssertRelative(want, dict.EncodeSparse(x).ToDense(), 1e-5, $"{arch}/{folder}/{site.Name} sparse codes");
            Fixtures.AssertRelative(want, dict.Encode(x), 1e-5, $"{arch}/{folder}/{site.Name} dense codes");
            var codes = dict.EncodeSparse(x);
            Assert.True(codes.NonZeros > 0 && codes.NonZeros < want.Length / 4, $"{site.Name}: {codes.NonZeros} active of {want.Length}");
            Assert.Equal(want.Count(v => v != 0), codes.NonZeros);
        }
    }

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void DictionaryLearningReconstructionsEqualPyTorch(string arch)
    {
        var config = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir(arch), "config.json"));
        var set = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), "dictionaries"), config);
        using var expected = Fixtures.Expected(arch);
        var root = expected.RootElement;
        foreach (var site in root.GetProperty("sae_recon_dl").EnumerateObject())
        {
            var dict = set[Site.Parse(site.Name)];
            var x = Activations(root, site.Name, config.DModel);
            var want = Fixtures.Matrix(site.Value);
            Fixtures.AssertRelative(want, dict.DecodeSparse(dict.EncodeSparse(x)), 1e-5, $"{arch}/{site.Name} sparse reconstruction");
            Fixtures.AssertRelative(want, dict.Decode(dict.Encode(x)), 1e-5, $"{arch}/{site.Name} dense reconstruction");
        }
    }

    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    internal static Tensor Activations(JsonElement root, string site, int d)
    {
        var values = Fixtures.Matrix(root.GetProperty("site_activations").GetProperty(site));
        return Tensor.FromArray(values, values.Length / d, d);
    }
}
