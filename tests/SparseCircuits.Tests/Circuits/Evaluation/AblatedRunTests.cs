using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>Pass 2 (algorithm §7) against <see cref="HandAblation"/>, the reference procedure written out densely.</summary>
public sealed class AblatedRunTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    /// <summary>
    /// Ablating one feature (everywhere, or at one position) changes each example's metric by what a forward pass with
    /// a hook setting that feature to its mean-ablation value at that site changes it by. The feature is the one with
    /// the largest effect in the reference circuit, so the change is not zero.
    /// </summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void OneAblatedFeatureChangesTheMetricAsADirectIntervention(string arch)
    {
        var model = EvaluationFixture.Model(arch);
        var dicts = EvaluationFixture.Dictionaries(arch, model);
        var examples = EvaluationFixture.Examples(arch);
        var hand = new HandAblation(model, dicts, examples);
        var site = Site.MlpOut(0);
        var effects = EvaluationFixture.PositionalCircuit(arch).Site(site.Name);
        int width = effects.FeatureCount;
        var (top, feature) = (from p in Enumerable.Range(0, hand.Positions) from j in Enumerable.Range(0, width) select (p, j))
            .MaxBy(n => MathF.Abs(effects.Effect(n.p, n.j)));

        var session = EvaluationSession.Create(model, dicts, dicts.Sites, examples, AblationKind.Mean, batchSize: 7);
        var full = session.FullModelMetric.ToArray();
        var plain = hand.Run(new Dictionary<Site, Func<int, int, bool>>());
        Fixtures.AssertRelative(plain, Tensor.FromArray(full, full.Length), 1e-5, "F(M) per example");

        foreach (int? position in new int?[] { null, top })
        {
            var masks = new NodeMasks(session.Sites.Select(s =>
            {
                if (s != site) return SiteMask.Uniform(s, dicts[s].Width, 1, true);
                int positions = position is null ? 1 : hand.Positions;
                var kept = Enumerable.Repeat(true, positions * (width + 1)).ToArray();
                kept[(position ?? 0) * (width + 1) + feature] = false;
                return new SiteMask(s, width, positions, kept);
            }));
            var got = session.Run(masks);
            var want = hand.Run(new Dictionary<Site, Func<int, int, bool>> { [site] = (p, j) => j != feature || (position is int only && p != only) });
            var gotDelta = got.Select((v, b) => v - full[b]).ToArray();
            var wantDelta = want.Select((v, b) => v - plain[b]).ToArray();
            Assert.True(wantDelta.Max(Math.Abs) > 1e-3, $"feature {feature} of {site} barely matters; pick another");
            for (int b = 0; b < gotDelta.Length; b++)
                Assert.True(Math.Abs(gotDelta[b] - wantDelta[b]) <= 1e-5 + 1e-4 * Math.Abs(wantDelta[b]),
                    $"{arch} example {b}, position {position?.ToString() ?? "all"}: change {gotDelta[b]:G6}, by hand {wantDelta[b]:G6}");
        }
    }

    /// <summary>
    /// Random masks at every site, sparse, half and dense, shared or per position, under every error handling, with
    /// ReLU, JumpReLU and identity ("neurons") dictionaries: the per-example metric equals the dense hand-made run. Between them these
    /// cover every path of a site (kept and ablated rows, clean features reused, subset and full encodes) and both
    /// starting points of a run (the first changed block, a fully ablated residual site).
    /// </summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void RandomMasksEqualTheDenseProcedure(string arch)
    {
        var model = EvaluationFixture.Model(arch);
        foreach (var folder in new[] { "dictionaries", "saelens_jumprelu", "neurons" })
        {
            var dicts = EvaluationFixture.Dictionaries(arch, model, folder);
            var examples = EvaluationFixture.Examples(arch);
            var hand = new HandAblation(model, dicts, examples);
            var session = EvaluationSession.Create(model, dicts, dicts.Sites, examples, AblationKind.Mean, batchSize: 16);
            var rng = new Random(arch.Length + folder.Length);
            int trial = 0;
            var handlings = Enum.GetValues<ErrorHandling>();
            foreach (double density in new[] { 0.02, 0.5, 0.98 })
                foreach (var errors in new[] { handlings[trial % 4], handlings[(trial + 1) % 4] }) // every handling at two densities
                {
                    var masks = RandomMasks(session, dicts, rng, density, positional: trial++ % 2 == 0, hand.Positions);
                    if (trial % 3 == 0) masks = WithResidAblated(masks, Site.ResidPost(0));
                    var got = session.Run(masks, errors);
                    var want = hand.Run(masks.Sites.ToDictionary(m => m.Site, m => (Func<int, int, bool>)((p, j) =>
                        j < m.FeatureCount ? m.Keeps(p, j) : KeepsError(errors, m.Site, m.Keeps(p, j)))));
                    Fixtures.AssertRelative(want, Tensor.FromArray(got, got.Length), 1e-4, $"{arch} {folder} density {density} errors {errors}");
                }
            Assert.True(session.Counters.SubsetEncodedRows > 0 && session.Counters.FullyEncodedRows > 0 && session.Counters.ReusedRows > 0,
                $"paths not all taken: subset {session.Counters.SubsetEncodedRows}, full {session.Counters.FullyEncodedRows}, reused {session.Counters.ReusedRows}");
        }
    }

    /// <summary>
    /// Runs stacked along the batch (two passes of up to three runs here, with different starting points: the
    /// embedding, a later block, a fully ablated residual site, and no pass at all) give each run's own metrics.
    /// </summary>
    [SharedFact]
    public void StackedRunsEqualSeparateRuns()
    {
        const string Arch = "tiny_gpt2";
        var model = EvaluationFixture.Model(Arch);
        var dicts = EvaluationFixture.Dictionaries(Arch, model);
        var examples = EvaluationFixture.Examples(Arch);
        var session = EvaluationSession.Create(model, dicts, dicts.Sites, examples, AblationKind.Mean, batchSize: 16);
        var rng = new Random(5);
        var all = session.UniformMasks(true);
        var masks = new List<NodeMasks>
        {
            RandomMasks(session, dicts, rng, 0.5, positional: true, 6),
            new(all.Sites.Select(m => m.Site == Site.MlpOut(1) ? SiteMask.Uniform(m.Site, m.FeatureCount, 1, false) : m)),
            WithResidAblated(RandomMasks(session, dicts, rng, 0.1, positional: false, 6), Site.ResidPost(0)),
            all,
            session.UniformMasks(false),
        };
        var separate = masks.Select(m => session.Run(m)).ToArray();
        session.MaxStackedRows = 3 * 16 * 6;
        int before = session.Counters.StackedForwards;
        var stacked = session.RunMany(masks);
        Assert.Equal(2, session.Counters.StackedForwards - before);
        for (int k = 0; k < masks.Count; k++)
            Fixtures.AssertRelative(separate[k], Tensor.FromArray(stacked[k], stacked[k].Length), 1e-5, $"run {k}");
        Assert.Equal(session.FullModelMetric, stacked[3]);
    }

    /// <summary>The reference's handle_errors, written out: keep → always kept, remove → never, resid_only → as the
    /// mask says at residual sites and never elsewhere.</summary>
    private static bool KeepsError(ErrorHandling errors, Site site, bool masked) => errors switch
    {
        ErrorHandling.Keep => true,
        ErrorHandling.Remove => false,
        ErrorHandling.ResidOnly => site.Kind == SiteKind.Resid && masked,
        _ => masked,
    };

    private static NodeMasks RandomMasks(EvaluationSession session, global::SparseCircuits.Dictionaries.DictionarySet dicts, Random rng, double density, bool positional, int positions) =>
        new(session.Sites.Select(s =>
        {
            int rows = positional ? positions : 1, width = dicts[s].Width;
            var kept = Enumerable.Range(0, rows * (width + 1)).Select(_ => rng.NextDouble() < density).ToArray();
            return new SiteMask(s, width, rows, kept);
        }));

    private static NodeMasks WithResidAblated(NodeMasks masks, Site site) =>
        new(masks.Sites.Select(m => m.Site == site ? SiteMask.Uniform(site, m.FeatureCount, m.Positions, false) : m));
}
