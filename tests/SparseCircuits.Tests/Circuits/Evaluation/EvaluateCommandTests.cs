using System.Text.Json;
using Sfc;
using SparseCircuits.Circuits;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.Circuits.Attribution;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary><c>sfc evaluate</c> end to end on a fixture circuit written to disk: the JSON schema and values, exit code 2
/// with one line and no file on bad input, and the plot.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private const string Arch = "tiny_gpt_neox";
    private readonly string folder = Path.Combine(Path.GetTempPath(), "sfc-evaluate-" + Guid.NewGuid().ToString("N"));

    public EvaluateCommandTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, true);

    [SharedFact]
    public void JsonHasTheSchemaAndTheReferenceValues()
    {
        string circuit = WriteCircuit(EvaluationFixture.PositionalCircuit(Arch));
        var (code, output, error) = Run([.. Common(circuit), "--json", "--examples", "16", "--batch-size", "6"]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(["F_M", "F_empty", "thresholds"], root.EnumerateObject().Select(p => p.Name));
        using var results = AttributionFixture.Result($"{Arch}_ig_none_edges.json");
        var want = EvaluationFixture.Faithfulness(results);
        Assert.Equal(want.GetProperty("F_M").GetDouble(), root.GetProperty("F_M").GetDouble(), 1e-5);
        Assert.Equal(want.GetProperty("F_empty").GetDouble(), root.GetProperty("F_empty").GetDouble(), 1e-5);
        var rows = root.GetProperty("thresholds").EnumerateArray().ToArray();
        var wantRows = want.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(15, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(["threshold", "nodes", "faithfulness", "completeness"], rows[i].EnumerateObject().Select(p => p.Name));
            Assert.Equal(wantRows[i].GetProperty("n_nodes").GetInt32(), rows[i].GetProperty("nodes").GetInt32());
            Assert.Equal(wantRows[i].GetProperty("completeness").GetDouble(), rows[i].GetProperty("completeness").GetDouble(), 1e-3);
        }
    }

    [SharedFact]
    public void RandomBaselineAddsItsOwnKeys()
    {
        string circuit = WriteCircuit(EvaluationFixture.PositionalCircuit(Arch));
        var (code, output, error) = Run([.. Common(circuit), "--json", "--thresholds", "0.001,0.01", "--random-baseline", "--seed", "3"]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        foreach (var row in doc.RootElement.GetProperty("thresholds").EnumerateArray())
        {
            Assert.Equal(["threshold", "nodes", "faithfulness", "completeness", "random_nodes", "random_faithfulness", "random_completeness"],
                row.EnumerateObject().Select(p => p.Name));
            // Bernoulli masks at the circuit's density: about as many nodes (7 sites × 6 positions × 129 nodes).
            double nodes = row.GetProperty("nodes").GetInt32(), drawn = row.GetProperty("random_nodes").GetInt32();
            Assert.True(Math.Abs(drawn - nodes) <= 4 * Math.Sqrt(nodes) + 2, $"{drawn} random nodes for {nodes}");
        }
    }

    [GnuplotFact]
    public void PlotsSvgAndPngWithGnuplot()
    {
        string circuit = WriteCircuit(EvaluationFixture.PositionalCircuit(Arch));
        foreach (var name in new[] { "curve.svg", "curve.png" })
        {
            string plot = Path.Combine(folder, name);
            var (code, output, error) = Run([.. Common(circuit), "--thresholds", "0.0001,0.001,0.01,0.1", "--plot", plot]);
            Assert.True(code == 0, error);
            Assert.Contains($"wrote {plot}", output);
            var bytes = File.ReadAllBytes(plot);
            if (name.EndsWith(".svg"))
            {
                string svg = System.Text.Encoding.UTF8.GetString(bytes);
                Assert.Contains("<svg", svg);
                Assert.Contains("faithfulness", svg);
                Assert.Contains("completeness", svg);
            }
            else Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
    }

    [SharedFact]
    public void BadInputExitsWithTwoAndWritesNothing()
    {
        string circuit = WriteCircuit(EvaluationFixture.PositionalCircuit(Arch));
        string plot = Path.Combine(folder, "never.svg");

        AssertBadInput(Run([.. Common(Path.Combine(folder, "missing.json")), "--plot", plot]), "missing.json");
        AssertBadInput(Run([.. Common(circuit), "--thresholds", "0.1,abc", "--plot", plot]), "--thresholds");
        AssertBadInput(Run([.. Common(circuit), "--ablation", "median", "--plot", plot]), "--ablation");
        AssertBadInput(Run([.. Common(circuit), "--plot", Path.Combine(folder, "never.pdf")]), "never.pdf");

        // A circuit made for other dictionaries: 64 features per site where the fixture's have 128.
        var narrow = new Circuit(EvaluationFixture.PositionalCircuit(Arch).Metadata,
            EvaluationFixture.PositionalCircuit(Arch).Nodes.Select(n => new NodeEffects(n.Site, Tensor.Zeros(6, 65))).ToList(), []);
        string narrowPath = WriteCircuit(narrow, "narrow.json");
        AssertBadInput(Run([.. Common(narrowPath), "--plot", plot]), "narrow.json");

        // A circuit with a site the 2-layer model lacks.
        var deep = new Circuit(narrow.Metadata, [new NodeEffects("resid_7", Tensor.Zeros(6, 129))], []);
        AssertBadInput(Run([.. Common(WriteCircuit(deep, "deep.json")), "--plot", plot]), "resid_7");

        Assert.False(File.Exists(plot));
        Assert.Empty(Directory.GetFiles(folder, "*.svg"));
        Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
    }

    /// <summary><c>sfc bench evaluate</c> times a 15-threshold sweep of the documented synthetic circuit: error effects
    /// log-uniform in [10⁻³, 1], feature effects at least 1/N in size (N feature nodes).</summary>
    [SharedFact]
    public void BenchTimesASweepOfTheSyntheticCircuit()
    {
        string written = Path.Combine(folder, "synthetic.json");
        var (code, output, error) = Run(["bench", "evaluate", "--model", Paths.SharedPath("fixtures", Arch), "--dictionaries", Paths.SharedPath("fixtures", Arch, "dictionaries"),
            "--data", EvaluationFixture.DataPath(Arch), "--json", "--write-circuit", written]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(15, root.GetProperty("thresholds").GetInt32());
        Assert.Equal(10, root.GetProperty("examples").GetInt32());
        Assert.InRange(root.GetProperty("ablated_runs").GetInt32(), 1, 31);
        Assert.True(root.GetProperty("total_s").GetDouble() > 0);
        var circuit = CircuitReader.Read(written);
        Assert.Equal(CircuitVocabulary.None, circuit.Metadata.Aggregation);
        long featureNodes = circuit.Nodes.Sum(n => (long)n.FeatureCount * 6);
        foreach (var site in circuit.Nodes)
            for (int p = 0; p < 6; p++)
            {
                Assert.InRange(MathF.Abs(site.Effect(p, site.FeatureCount)), 1e-3f, 1f);
                for (int j = 0; j < site.FeatureCount; j++) Assert.True(MathF.Abs(site.Effect(p, j)) >= 0.999f / featureNodes);
            }
        Assert.Equal(root.GetProperty("nodes")[0].GetInt32(), circuit.Nodes.Sum(n => n.Effects.Span.ToArray().Count(v => MathF.Abs(v) > 1e-4f)));
    }

    private static void AssertBadInput((int Code, string Output, string Error) run, string named)
    {
        Assert.Equal(2, run.Code);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("sfc: ", lines[0]);
        Assert.Contains(named, lines[0]);
        Assert.Equal("", run.Output);
    }

    private string WriteCircuit(Circuit circuit, string name = "circuit.json")
    {
        string path = Path.Combine(folder, name);
        CircuitWriter.Write(circuit, path);
        return path;
    }

    private static string[] Common(string circuit) =>
    [
        "evaluate", "--model", Paths.SharedPath("fixtures", Arch), "--dictionaries", Paths.SharedPath("fixtures", Arch, "dictionaries"),
        "--data", EvaluationFixture.DataPath(Arch), "--circuit", circuit,
    ];

    private static (int Code, string Output, string Error) Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SfcApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
