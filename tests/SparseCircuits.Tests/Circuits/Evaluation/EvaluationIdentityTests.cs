using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>The identities of algorithm §7, each side computed independently where it can be.</summary>
public sealed class EvaluationIdentityTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    /// <summary>The full circuit (every node: |effect| &gt; −1) has faithfulness 1 and F(M∖M) = F(∅); the empty circuit
    /// has faithfulness 0 and completeness 1. F(M) and F(∅) equal the hand-made plain and fully ablated runs.</summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void FullCircuitIsFaithfulAndEmptyCircuitIsNot(string arch)
    {
        var model = EvaluationFixture.Model(arch);
        var dicts = EvaluationFixture.Dictionaries(arch, model);
        var examples = EvaluationFixture.Examples(arch);
        var circuit = EvaluationFixture.PositionalCircuit(arch);
        var report = CircuitEvaluator.Sweep(model, dicts, circuit, examples, new EvaluationOptions { Thresholds = [-1, 1e9] });

        var hand = new HandAblation(model, dicts, examples);
        Assert.Equal(hand.FullModel(), report.FullModel, 1e-5);
        var sites = dicts.Sites;
        double empty = hand.Run(sites.ToDictionary(s => s, _ => (Func<int, int, bool>)((_, _) => false))).Average(v => (double)v);
        Assert.Equal(empty, report.Empty, 1e-5);
        Assert.True(Math.Abs(report.FullModel - report.Empty) > 1e-2, "F(M) and F(∅) must differ for the ratios to mean anything");

        var full = report.Thresholds[0];
        Assert.Equal(sites.Count * examples[0].Length * 129, full.Nodes);
        Assert.Equal(1, full.Faithfulness, 1e-6);
        Assert.Equal(report.Empty, full.Scores.Complement, 1e-6); // F(M∖M) = F(∅)
        Assert.Equal(0, full.Completeness, 1e-6);

        var none = report.Thresholds[1];
        Assert.Equal(0, none.Nodes);
        Assert.Equal(0, none.Faithfulness, 1e-6);
        Assert.Equal(1, none.Completeness, 1e-6);
    }

    /// <summary>With error nodes always kept, F(∅) is the run in which every feature is ablated and every error term
    /// stays its own: dec(a) + ε(x) at every site, made by hand with forward hooks. F(M∖M) is the same run.</summary>
    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void KeepingErrorsWithNoFeaturesRunsOnlyTheErrorNodes(string arch)
    {
        var model = EvaluationFixture.Model(arch);
        var dicts = EvaluationFixture.Dictionaries(arch, model);
        var examples = EvaluationFixture.Examples(arch);
        var session = EvaluationSession.Create(model, dicts, dicts.Sites, examples, AblationKind.Mean);
        var keep = session.UniformMasks(false);

        var hand = new HandAblation(model, dicts, examples);
        var onlyErrors = hand.Run(dicts.Sites.ToDictionary(s => s, s => (Func<int, int, bool>)((_, j) => j == dicts[s].Width)));
        var got = session.Run(keep, ErrorHandling.Keep);
        Fixtures.AssertRelative(onlyErrors, global::SparseCircuits.Tensors.Tensor.FromArray(got, got.Length), 1e-5, $"{arch} F(∅) with errors kept");
        Assert.Equal(session.Score(session.UniformMasks(true).Complement(), ErrorHandling.Keep), got.Average(v => (double)v), 1e-9);
        Assert.NotEqual(session.Score(keep), got.Average(v => (double)v), 3); // keeping the errors matters
    }

    /// <summary>Thresholds that select the same nodes give the same scores, and n_nodes counts only the sites at or
    /// above the start layer.</summary>
    [SharedFact]
    public void StartLayerLeavesLowerSitesOutOfTheCount()
    {
        const string Arch = "tiny_gpt_neox";
        var model = EvaluationFixture.Model(Arch);
        var dicts = EvaluationFixture.Dictionaries(Arch, model);
        var circuit = EvaluationFixture.PositionalCircuit(Arch);
        var report = CircuitEvaluator.Sweep(model, dicts, circuit, EvaluationFixture.Examples(Arch),
            new EvaluationOptions { StartLayer = 1, Thresholds = [0.01] });
        Assert.Equal(["attn_1", "mlp_1", "resid_1"], report.Run.Sites);
        float limit = 0.01f;
        int expected = circuit.Nodes.Where(n => n.Site.EndsWith("_1")).Sum(n => n.Effects.Span.ToArray().Count(v => MathF.Abs(v) > limit));
        Assert.Equal(expected, report.Thresholds[0].Nodes);
    }
}
