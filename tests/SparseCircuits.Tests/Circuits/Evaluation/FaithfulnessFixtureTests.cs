using System.Text.Json;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Tests.Circuits.Attribution;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>
/// The sweep reproduces the faithfulness tables a PyTorch implementation of the reference procedure computed on the
/// fixtures (mean ablation over the 16 examples, every site evaluated, thresholds logspace(−4, 0, 15)): F(M), F(∅),
/// and per threshold n_nodes, F(C) and F(M∖C).
/// </summary>
public sealed class FaithfulnessFixtureTests
{
    public static TheoryData<string> Archs => new(Fixtures.Architectures);

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void PositionalCircuitSweepEqualsPyTorch(string arch) =>
        Compare(arch, EvaluationFixture.PositionalCircuit(arch), "dictionaries", $"{arch}_ig_none_edges.json");

    [SharedTheory]
    [MemberData(nameof(Archs))]
    public void SummedJumpReluCircuitSweepEqualsPyTorch(string arch) =>
        Compare(arch, EvaluationFixture.SummedJumpReluCircuit(arch), "saelens_jumprelu", $"{arch}_jumprelu_ig_sum_edges.json");

    private static void Compare(string arch, Circuit circuit, string dictionaries, string resultFile)
    {
        var model = EvaluationFixture.Model(arch);
        var dicts = EvaluationFixture.Dictionaries(arch, model, dictionaries);
        var report = CircuitEvaluator.Sweep(model, dicts, circuit, EvaluationFixture.Examples(arch), new EvaluationOptions { BatchSize = 5 });

        using var json = AttributionFixture.Result(resultFile);
        var want = EvaluationFixture.Faithfulness(json);
        Assert.Equal("mean", want.GetProperty("ablation").GetString());
        Assert.Equal(-1, want.GetProperty("start_layer").GetInt32());
        Assert.Equal(want.GetProperty("eval_sites").EnumerateArray().Select(s => s.GetString()), report.Run.Sites);
        const double Tolerance = 1e-5;
        Assert.Equal(want.GetProperty("F_M").GetDouble(), report.FullModel, Tolerance);
        Assert.Equal(want.GetProperty("F_empty").GetDouble(), report.Empty, Tolerance);
        var rows = want.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(rows.Length, report.Thresholds.Count);
        for (int i = 0; i < rows.Length; i++)
        {
            var got = report.Thresholds[i];
            string at = $"{arch} T={got.Threshold:G4}";
            Assert.Equal(rows[i].GetProperty("threshold").GetDouble(), got.Threshold, 1e-8 * got.Threshold);
            Assert.True(rows[i].GetProperty("n_nodes").GetInt32() == got.Nodes, $"{at}: {got.Nodes} nodes, reference {rows[i].GetProperty("n_nodes").GetInt32()}");
            Close(rows[i].GetProperty("F_C").GetDouble(), got.Scores.Circuit, Tolerance, $"{at} F(C)");
            Close(rows[i].GetProperty("F_M_minus_C").GetDouble(), got.Scores.Complement, Tolerance, $"{at} F(M∖C)");
        }
    }

    private static void Close(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual:G9}, reference {expected:G9}");
}
