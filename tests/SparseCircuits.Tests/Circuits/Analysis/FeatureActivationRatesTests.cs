using SparseCircuits.Circuits.Analysis;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Analysis;

public class FeatureActivationRatesTests
{
    /// <summary>Rates and means equal a per-prompt full forward pass with the dictionary's dense encoder, counted by hand.</summary>
    [SharedTheory]
    [InlineData("tiny_gpt2", "resid_1")]
    [InlineData("tiny_gpt_neox", "embed")]
    public void RatesEqualPerPromptDenseEncoding(string fixture, string siteName)
    {
        var model = Fixtures.Model(fixture);
        var dicts = DictionarySet.Load(Path.Combine(Fixtures.ModelDir(fixture), "dictionaries"), model.Config);
        var site = Site.Parse(siteName);
        var dict = dicts[site];
        var rng = new Random(5);
        var prompts = new List<LabeledPrompt>();
        for (int i = 0; i < 12; i++)
        {
            int length = i % 3 == 0 ? 4 : 6; // two length groups
            var ids = Enumerable.Range(0, length).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
            prompts.Add(new LabeledPrompt(ids, rng.Next(length), i % 2 == 0 ? "a" : "b"));
        }
        var features = Enumerable.Range(0, dict.Width).ToArray();

        var measured = FeatureActivationRates.Measure(model, site, dict, prompts, features);

        var expectedActive = new Dictionary<string, double[]> { ["a"] = new double[dict.Width], ["b"] = new double[dict.Width] };
        var expectedSum = new Dictionary<string, double[]> { ["a"] = new double[dict.Width], ["b"] = new double[dict.Width] };
        foreach (var p in prompts)
        {
            SparseCircuits.Tensors.Tensor? x = null;
            var hooks = new ForwardHooks();
            hooks.Read(site.Name, t => x = t);
            using (Tape.NoGrad()) model.Forward(TokenBatch.Single(p.Ids), hooks);
            int d = x!.Shape[^1];
            var row = SparseCircuits.Tensors.Tensor.FromArray(x.Span.Slice(p.Position * d, d).ToArray(), 1, d);
            SparseCircuits.Tensors.Tensor f;
            using (Tape.NoGrad()) f = dict.Encode(row);
            for (int j = 0; j < dict.Width; j++)
            {
                if (f.Span[j] <= 0) continue;
                expectedActive[p.Label][j]++;
                expectedSum[p.Label][j] += f.Span[j];
            }
        }
        int anyActive = 0;
        foreach (var s in measured)
            foreach (var label in new[] { "a", "b" })
            {
                Assert.Equal(expectedActive[label][s.Feature] / 6, s.ActivationRate[label], 12);
                Assert.Equal(expectedSum[label][s.Feature] / 6, s.MeanActivation[label], 4);
                if (s.ActivationRate[label] > 0) anyActive++;
            }
        Assert.True(anyActive > 0, "no feature fired: the comparison would be vacuous");
    }

    [Fact]
    public void PreferredLabelAndMargin()
    {
        var s = new FeatureSelectivity(3, new Dictionary<string, double> { ["plural"] = 0.9, ["singular"] = 0.15 }, new Dictionary<string, double>());
        var (label, margin) = s.Preferred();
        Assert.Equal("plural", label);
        Assert.Equal(0.75, margin, 12);
    }
}
