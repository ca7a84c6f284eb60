using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>Pass 1 (algorithm §7): the values ablated nodes take, against per-position statistics of plain forward
/// activations encoded by hand.</summary>
public sealed class AblationValuesTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void MeanIsThePerPositionMeanOverThePatchRun(string arch)
    {
        var model = EvaluationFixture.Model(arch);
        var dicts = EvaluationFixture.Dictionaries(arch, model);
        var examples = EvaluationFixture.Examples(arch);
        var values = AblationValues.Compute(model, dicts, dicts.Sites, examples, AblationKind.Mean, batchSize: 5);
        var hand = new HandAblation(model, dicts, examples);
        var plain = hand.Activations(hand.Patch, dicts.Sites);
        foreach (var site in dicts.Sites)
        {
            var got = values[site];
            Assert.False(got.PerExample);
            var (features, error) = hand.Means(site);
            Fixtures.AssertRelative(features, got.Features.ToDense(), 1e-5, $"{arch} {site} mean f");
            Fixtures.AssertRelative(error, got.Error, 1e-5, $"{arch} {site} mean ε");
            // The decoder is affine, so dec(mean f) + mean ε is the mean activation itself.
            Fixtures.AssertRelative(MeanRows(plain[site].Span.ToArray(), plain[site].Columns, hand.Positions), got.Activation, 1e-5, $"{arch} {site} mean x");
        }
    }

    [SharedFact]
    public void ZeroAblationIsTheDecoderBias()
    {
        const string Arch = "tiny_gpt2";
        var model = EvaluationFixture.Model(Arch);
        var dicts = EvaluationFixture.Dictionaries(Arch, model);
        var values = AblationValues.Compute(model, dicts, dicts.Sites, EvaluationFixture.Examples(Arch), AblationKind.Zero);
        foreach (var site in dicts.Sites)
        {
            var got = values[site];
            Assert.Equal(0, got.Features.NonZeros);
            Assert.All(got.Error.Span.ToArray(), v => Assert.Equal(0f, v));
            var bias = dicts[site].DecoderBias.Span.ToArray();
            for (int p = 0; p < 6; p++) Assert.Equal(bias, got.Activation.Span.Slice(p * bias.Length, bias.Length).ToArray());
        }
    }

    /// <summary>Resampling gives row (b, s) the features and error of example draw[b] at s, draw[b] =
    /// new Random(seed).Next(N) in turn; with 16 draws some example repeats and some is left out.</summary>
    [SharedFact]
    public void ResampleTakesWholeExamplesWithReplacement()
    {
        const string Arch = "tiny_llama";
        const int Seed = 7;
        var model = EvaluationFixture.Model(Arch);
        var dicts = EvaluationFixture.Dictionaries(Arch, model);
        var examples = EvaluationFixture.Examples(Arch);
        var values = AblationValues.Compute(model, dicts, dicts.Sites, examples, AblationKind.Resample, Seed, batchSize: 6);
        var rng = new Random(Seed);
        var draw = examples.Select(_ => rng.Next(examples.Count)).ToArray();
        Assert.True(draw.Distinct().Count() < examples.Count);
        var hand = new HandAblation(model, dicts, examples);
        var plain = hand.Activations(hand.Patch, dicts.Sites);
        foreach (var site in dicts.Sites)
        {
            var got = values[site];
            Assert.True(got.PerExample);
            var (f, e) = hand.Decompose(site, plain[site]);
            int width = f.Columns, d = e.Columns;
            var wantF = new float[examples.Count * 6 * width];
            var wantE = new float[examples.Count * 6 * d];
            for (int b = 0; b < examples.Count; b++)
            {
                f.Span.Slice(draw[b] * 6 * width, 6 * width).CopyTo(wantF.AsSpan(b * 6 * width));
                e.Span.Slice(draw[b] * 6 * d, 6 * d).CopyTo(wantE.AsSpan(b * 6 * d));
            }
            Fixtures.AssertRelative(wantF, got.Features.ToDense(), 1e-5, $"{site} resampled f");
            Fixtures.AssertRelative(wantE, got.Error, 1e-5, $"{site} resampled ε");
        }
    }

    private static float[] MeanRows(float[] rows, int width, int positions)
    {
        var sum = new double[positions * width];
        int n = rows.Length / width;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < width; j++) sum[(r % positions) * width + j] += rows[r * width + j];
        return sum.Select(v => (float)(v / (n / positions))).ToArray();
    }
}
