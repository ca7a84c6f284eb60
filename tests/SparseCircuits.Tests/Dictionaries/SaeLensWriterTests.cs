using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>Dictionaries written in SAELens format read back into the same function: checked against PyTorch's codes
/// for the fixture dictionaries (one of them converted from dictionary_learning's layout on the way).</summary>
public class SaeLensWriterTests
{
    public static TheoryData<string, string, string> Conversions() => new()
    {
        { "tiny_gpt_neox", "dictionaries", "sae_features_dl" },
        { "tiny_gpt2", "dictionaries", "sae_features_dl" },
        { "tiny_llama", "saelens_jumprelu", "sae_features_jumprelu" },
    };

    [SharedTheory]
    [MemberData(nameof(Conversions))]
    public void WrittenSetEncodesLikePyTorch(string arch, string folder, string expectedKey)
    {
        var config = HfConfigReader.Read(Path.Combine(Fixtures.ModelDir(arch), "config.json"));
        var original = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(arch), folder), config);
        using var temp = new TempFolder();
        foreach (var (site, dict) in original)
            SaeLensFormat.Write(temp.Sub(site.Name), (SparseAutoencoder)dict, new SaeLensMetadata(ModelName: arch));
        var written = DictionarySet.Load(temp.Path, config);
        Assert.Equal(original.Sites, written.Sites);

        using var expected = Fixtures.Expected(arch);
        var root = expected.RootElement;
        foreach (var site in root.GetProperty(expectedKey).EnumerateObject())
        {
            var dict = written[Site.Parse(site.Name)];
            Assert.Equal(original[Site.Parse(site.Name)].Info.Kind, dict.Info.Kind);
            var x = FixtureEncodingTests.Activations(root, site.Name, config.DModel);
            Fixtures.AssertRelative(Fixtures.Matrix(site.Value), dict.EncodeSparse(x).ToDense(), 1e-5, $"{arch} {site.Name} after writing");
        }
    }
}
