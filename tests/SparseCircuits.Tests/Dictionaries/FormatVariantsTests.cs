using System.Text.Json;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>
/// Every dictionary class and config spelling the readers know (dictionary_learning gated, TopK, BatchTopK, JumpReLU and
/// AutoEncoderNew; SAELens gated, TopK before and after 6.0, skip transcoder) encodes and decodes as PyTorch computed with
/// the defining library's formulas (TestData/dictionaries, made by tools/make_dictionary_test_data.py), also after a
/// round trip through the SAELens writer.
/// </summary>
public class FormatVariantsTests
{
    private static readonly string Root = Paths.TestData("dictionaries");

    /// <summary>Folders whose files do not name their site (the test passes it, as a caller would).</summary>
    private static readonly string[] SiteGiven = ["dl_batchtopk", "dl_jumprelu", "dl_new"];

    public static TheoryData<string> Names()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")));
        return new TheoryData<string>(doc.RootElement.GetProperty("dictionaries").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ReadsAsTheLibraryComputes(string name)
    {
        var (x, entry) = Expected(name);
        var dict = Load(name, entry);
        Check(dict, x, entry, name);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SaeLensRoundTripKeepsTheFunction(string name)
    {
        var (x, entry) = Expected(name);
        using var temp = new TempFolder();
        SaeLensFormat.Write(temp.Path, Load(name, entry));
        var written = DictionaryLoader.Load(temp.Path);
        Check(written, x, entry, name + " (written)");
    }

    [Fact]
    public void EncodingIsDifferentiableLikeTheDefinition()
    {
        foreach (var name in new[] { "dl_gated", "dl_topk", "dl_batchtopk", "saelens_skip_transcoder" })
        {
            var (x, entry) = Expected(name);
            var dict = Load(name, entry);
            GradCheck.Check(t => dict.Encode(t[0]), new[] { x }, h: 1e-3, tolerance: 1e-2);
            var f = dict.Encode(x);
            GradCheck.Check(t => dict.Decode(t[0], t[1]), new[] { f, x }, h: 1e-3, tolerance: 1e-2);
        }
    }

    [Fact]
    public void CentringOtherThanTheDecoderBiasIsFoldedWhenWritten()
    {
        var rng = new Random(5);
        int d = 6, f = 10, n = 4;
        var wEnc = Tensor.RandomNormal(rng, 0.5f, d, f);
        var bEnc = Tensor.RandomNormal(rng, 0.3f, f);
        var wDec = Tensor.RandomNormal(rng, 0.5f, f, d);
        var bDec = Tensor.RandomNormal(rng, 0.3f, d);
        var centre = Tensor.RandomNormal(rng, 0.8f, d);
        var sae = new ReluSae(new DictionaryInfo(ReluSae.KindName, Site.ResidPost(0), Site.ResidPost(0), "test"),
            new SaeWeights(wEnc, true, bEnc, wDec, bDec, centre));
        var x = Tensor.RandomNormal(rng, 1f, n, d);
        // f = ReLU((x − c)·W_enc + b_enc) in float64.
        var want = new float[n * f];
        for (int r = 0; r < n; r++)
        for (int j = 0; j < f; j++)
        {
            double s = bEnc.Span[j];
            for (int i = 0; i < d; i++) s += (double)(x.Span[r * d + i] - centre.Span[i]) * wEnc.Span[i * f + j];
            want[r * f + j] = (float)Math.Max(0, s);
        }
        Fixtures.AssertRelative(want, sae.EncodeSparse(x).ToDense(), 1e-5, "centred encoding");
        using var temp = new TempFolder();
        SaeLensFormat.Write(temp.Path, sae);
        Assert.Contains("\"apply_b_dec_to_input\": false", File.ReadAllText(Path.Combine(temp.Path, "cfg.json")));
        Fixtures.AssertRelative(want, DictionaryLoader.Load(temp.Path).EncodeSparse(x).ToDense(), 1e-5, "written with the centring folded");
    }

    private static void Check(IFeatureDictionary dict, Tensor x, JsonElement entry, string what)
    {
        Assert.Equal(entry.GetProperty("kind").GetString(), dict.Info.Kind);
        Assert.Equal(Site.Parse(entry.GetProperty("site").GetString()!), dict.Info.OutputSite);
        var inputSite = entry.TryGetProperty("input_site", out var i) ? Site.Parse(i.GetString()!) : dict.Info.OutputSite;
        Assert.Equal(inputSite, dict.Info.InputSite);
        var codes = Fixtures.Matrix(entry.GetProperty("codes"));
        var recon = Fixtures.Matrix(entry.GetProperty("recon"));
        var sparse = dict.EncodeSparse(x);
        Fixtures.AssertRelative(codes, sparse.ToDense(), 1e-5, $"{what} sparse codes");
        Assert.Equal(codes.Count(v => v != 0), sparse.NonZeros);
        Fixtures.AssertRelative(codes, dict.Encode(x), 1e-5, $"{what} dense codes");
        Fixtures.AssertRelative(recon, dict.DecodeSparse(sparse, x), 1e-5, $"{what} sparse reconstruction");
        Fixtures.AssertRelative(recon, dict.Decode(dict.Encode(x), x), 1e-5, $"{what} dense reconstruction");
    }

    private static SparseAutoencoder Load(string name, JsonElement entry) =>
        DictionaryLoader.Load(Path.Combine(Root, name), SiteGiven.Contains(name) ? Site.Parse(entry.GetProperty("site").GetString()!) : null);

    private static (Tensor X, JsonElement Entry) Expected(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")));
        var x = Fixtures.Matrix(doc.RootElement.GetProperty("x"));
        int d = doc.RootElement.GetProperty("x")[0].GetArrayLength();
        return (Tensor.FromArray(x, x.Length / d, d), doc.RootElement.GetProperty("dictionaries").GetProperty(name).Clone());
    }
}
