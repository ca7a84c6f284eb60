using System.CommandLine;
using Sfc.Commands;
using SparseCircuits.Circuits;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary><c>sfc circuit</c> end to end on a fixture: the written node effects equal the PyTorch reference.</summary>
public sealed class CircuitCommandTests
{
    [SharedFact]
    public void WritesNodeEffectsEqualToPyTorch()
    {
        InTempFolder(folder =>
        {
            string arch = "tiny_gpt2", outPath = Path.Combine(folder, "circuit.json");
            var (code, output) = Run("circuit", "--model", Paths.SharedPath("fixtures", arch),
                "--dictionaries", Paths.SharedPath("fixtures", arch, "dictionaries"), "--data", Paths.SharedPath("fixtures", arch, "data.jsonl"),
                "--examples", "16", "--batch-size", "8", "--method", "atp", "--aggregation", "none", "--node-threshold", "0.1", "--out", outPath);
            Assert.Equal(0, code);
            Assert.Contains("kept 16 of 16", output);
            Assert.Contains("edges: 13 edge types", output); // 12 stop-gradient types of GPT-2's 2 layers + resid_1 -> y
            var circuit = CircuitReader.Read(outPath);
            Assert.Equal("atp", circuit.Metadata.Method);
            Assert.Equal(16, circuit.Metadata.Examples);
            // The loader shuffles (seed 12) but aggregation is a mean over the same 16 examples, so the order is irrelevant.
            using var json = AttributionFixture.Result($"{arch}_atp_none.json");
            foreach (var node in circuit.Nodes)
                Fixtures.AssertRelative(Fixtures.Matrix(json.RootElement.GetProperty("nodes").GetProperty(node.Site).GetProperty("dense")), node.Effects, 1e-4, node.Site);
            var clean = AttributionFixture.Floats(json.RootElement.GetProperty("metric").GetProperty("clean")).Average();
            Assert.Equal(clean, circuit.Metadata.Metric.Clean, 1e-5);
        });
    }

    /// <summary>IG with edges: every written edge type's total equals the PyTorch reference's, and resid_1 -> y equals
    /// the resid_1 node effects. The loader's shuffle changes the batches, not the per-example edges, so totals agree.</summary>
    [SharedFact]
    public void WritesEdgesEqualToPyTorch()
    {
        InTempFolder(folder =>
        {
            string arch = "tiny_gpt_neox", outPath = Path.Combine(folder, "circuit.json");
            var (code, _) = Run("circuit", "--model", Paths.SharedPath("fixtures", arch),
                "--dictionaries", Paths.SharedPath("fixtures", arch, "dictionaries"), "--data", Paths.SharedPath("fixtures", arch, "data.jsonl"),
                "--examples", "16", "--batch-size", "8", "--method", "ig", "--aggregation", "none", "--node-threshold", "0.1", "--out", outPath);
            Assert.Equal(0, code);
            var circuit = CircuitReader.Read(outPath);
            using var json = AttributionFixture.Result($"{arch}_ig_none_edges.json");
            var expected = json.RootElement.GetProperty("edges");
            Assert.Equal(expected.EnumerateObject().Count(), circuit.Edges.Count);
            foreach (var e in circuit.Edges)
            {
                if (e.IntoOutput)
                {
                    var dense = Fixtures.Matrix(json.RootElement.GetProperty("nodes").GetProperty(e.Upstream).GetProperty("dense"));
                    int width = circuit.Site(e.Upstream).FeatureCount + 1;
                    for (int n = 0; n < e.Count; n++)
                    {
                        Assert.Equal(new long[] { 5, 0 }, e.Indices[(4 * n)..(4 * n + 2)]);
                        float w = dense[(int)(e.Indices[4 * n + 2] * width + e.Indices[4 * n + 3])];
                        Assert.Equal(w, e.Values[n], 1e-4 * Math.Abs(w) + 1e-7);
                    }
                    continue;
                }
                var want = expected.GetProperty($"{e.Upstream}->{e.Downstream}");
                Assert.Equal(want.GetProperty("nnz").GetInt32(), e.Count);
                double sum = e.Values.Sum(v => (double)v), wantSum = want.GetProperty("sum").GetDouble();
                Assert.True(Math.Abs(sum - wantSum) <= 1e-4 * Math.Abs(wantSum) + 1e-5 * want.GetProperty("abs_sum").GetDouble(),
                    $"{e.Upstream}->{e.Downstream}: sum {sum} vs {wantSum}");
                var top = want.GetProperty("top")[0].EnumerateArray().ToArray();
                int at = Enumerable.Range(0, e.Count).First(n => Enumerable.Range(0, 4).All(c => e.Indices[4 * n + c] == top[c].GetInt64()));
                Assert.Equal(top[4].GetDouble(), e.Values[at], 1e-4 * Math.Abs(top[4].GetDouble()));
            }
        });
    }

    /// <summary>Aggregation "last" with edges: nodes are the PyTorch "none" nodes at the final position, and every
    /// reference top edge at (S−1, ·, S−1, ·) is written with its value; resid_1 -> y is the resid_1 row.</summary>
    [SharedFact]
    public void WritesLastPositionEdgesEqualToPyTorch()
    {
        InTempFolder(folder =>
        {
            string arch = "tiny_gpt2", outPath = Path.Combine(folder, "circuit.json");
            var (code, output) = Run("circuit", "--model", Paths.SharedPath("fixtures", arch),
                "--dictionaries", Paths.SharedPath("fixtures", arch, "dictionaries"), "--data", Paths.SharedPath("fixtures", arch, "data.jsonl"),
                "--examples", "16", "--batch-size", "8", "--aggregation", "last", "--node-threshold", "0.1", "--out", outPath);
            Assert.Equal(0, code);
            Assert.Contains("edges: 13 edge types", output);
            var circuit = CircuitReader.Read(outPath);
            Assert.Equal("last", circuit.Metadata.Aggregation);
            using var json = AttributionFixture.Result($"{arch}_ig_none_edges.json");
            var nodes = json.RootElement.GetProperty("nodes");
            foreach (var node in circuit.Nodes)
            {
                var dense = Fixtures.Matrix(nodes.GetProperty(node.Site).GetProperty("dense"));
                int width = node.Effects.Length;
                Fixtures.AssertRelative(dense.AsSpan((dense.Length / width - 1) * width, width), node.Effects, 1e-4, node.Site);
            }
            int checkedEdges = 0;
            foreach (var e in circuit.Edges)
            {
                var values = Enumerable.Range(0, e.Count).ToDictionary(k => (e.Indices[2 * k], e.Indices[2 * k + 1]), k => e.Values[k]);
                if (e.IntoOutput)
                {
                    var row = circuit.Site(e.Upstream).Effects.ToArray();
                    Assert.All(values, p => Assert.Equal(row[p.Key.Item2], p.Value));
                    Assert.Equal(row.Count(v => v != 0), e.Count);
                    continue;
                }
                foreach (var top in json.RootElement.GetProperty("edges").GetProperty($"{e.Upstream}->{e.Downstream}").GetProperty("top").EnumerateArray())
                {
                    var a = top.EnumerateArray().ToArray();
                    if (a[0].GetInt32() != 5 || a[2].GetInt32() != 5) continue;
                    double want = a[4].GetDouble();
                    Assert.Equal(want, values.GetValueOrDefault((a[1].GetInt64(), a[3].GetInt64())), 1e-4 * Math.Abs(want) + 1e-6);
                    checkedEdges++;
                }
            }
            Assert.True(checkedEdges >= 10, $"only {checkedEdges} reference edges at the final positions");
        });
    }

    /// <summary>Exact patching has no gradients to weight edges with: without --nodes-only it is an input error.</summary>
    [SharedFact]
    public void ExactWithoutNodesOnlyIsAnInputError()
    {
        var e = Assert.Throws<SfcInputException>(() => Run("circuit", "--model", Paths.SharedPath("fixtures", "tiny_gpt2"),
            "--dictionaries", Paths.SharedPath("fixtures", "tiny_gpt2", "dictionaries"),
            "--data", Paths.SharedPath("fixtures", "tiny_gpt2", "data.jsonl"), "--method", "exact"));
        Assert.Contains("--nodes-only", e.Message);
        Assert.Contains("--method exact", e.Message);
    }

    [SharedFact]
    public void MissingDictionariesIsAnInputError()
    {
        var e = Assert.Throws<SfcInputException>(() => Run("circuit", "--model", Paths.SharedPath("fixtures", "tiny_gpt2"),
            "--data", Paths.SharedPath("fixtures", "tiny_gpt2", "data.jsonl")));
        Assert.Contains("--dictionaries", e.Message);
    }

    private static void InTempFolder(Action<string> body)
    {
        var folder = Path.Combine(Path.GetTempPath(), "sfc-circuit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            body(folder);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var root = new RootCommand { CircuitCommand.Create() };
        var output = new StringWriter();
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
        return (code, output.ToString());
    }
}
