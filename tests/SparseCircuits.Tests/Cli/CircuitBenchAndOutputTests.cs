using System.Text.Json;
using SparseCircuits.Circuits;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Cli;

/// <summary><c>sfc bench circuit</c> runs its phases on a fixture and reports them; <c>sfc circuit --out</c> into a folder
/// that does not exist creates it before computing, and a folder given as the file is refused at once.</summary>
public class CircuitBenchAndOutputTests
{
    private static (int Code, string Out, string Err) Sfc(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = global::Sfc.SfcApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [SharedFact]
    public void BenchReportsEveryPhaseWithDownstreamCounts()
    {
        string arch = Paths.SharedPath("fixtures", "tiny_gpt_neox");
        var (code, output, _) = Sfc("bench", "circuit", "--model", arch, "--dictionaries", Path.Combine(arch, "dictionaries"),
            "--data", Path.Combine(arch, "data.jsonl"), "--node-thresholds", "0.1,0.01", "--examples", "4", "--json", "--profile");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var phases = doc.RootElement.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["model", "dictionaries", "nodes", "edges@0.1", "edges@0.01", "circuit@0.01"], phases.Keys);
        Assert.Equal(20, phases["nodes"].GetProperty("baseline_seconds").GetDouble());
        Assert.Equal(114, phases["edges@0.01"].GetProperty("baseline_seconds").GetDouble());
        int coarse = phases["edges@0.1"].GetProperty("downstream_nodes").GetInt32(), fine = phases["edges@0.01"].GetProperty("downstream_nodes").GetInt32();
        Assert.True(fine >= coarse && fine > 0, $"{coarse} nodes at 0.1, {fine} at 0.01");
        Assert.True(phases["nodes"].GetProperty("inner_seconds").GetProperty("nodes: IG forward and backward").GetDouble() > 0);
        double circuit = phases["circuit@0.01"].GetProperty("seconds").GetDouble();
        Assert.Equal(phases["nodes"].GetProperty("seconds").GetDouble() + phases["edges@0.01"].GetProperty("seconds").GetDouble(), circuit, 2);
        Assert.Equal(JsonValueKind.True, doc.RootElement.GetProperty("targets").GetProperty("dictionaries").ValueKind);
    }

    [SharedFact]
    public void OutputIntoAMissingFolderCreatesIt()
    {
        var root = Path.Combine(Path.GetTempPath(), "sfc-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            string arch = Paths.SharedPath("fixtures", "tiny_gpt2"), outPath = Path.Combine(root, "a", "b", "circuit.json");
            var (code, _, _) = Sfc("circuit", "--model", arch, "--dictionaries", Path.Combine(arch, "dictionaries"),
                "--data", Path.Combine(arch, "data.jsonl"), "--examples", "4", "--nodes-only", "--method", "atp", "--out", outPath);
            Assert.Equal(0, code);
            Assert.Equal(4, CircuitReader.Read(outPath).Metadata.Examples);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    [SharedFact]
    public void OutputThatIsAFolderFailsBeforeComputing()
    {
        string arch = Paths.SharedPath("fixtures", "tiny_gpt2");
        var (code, _, err) = Sfc("circuit", "--model", arch, "--dictionaries", Path.Combine(arch, "dictionaries"),
            "--data", Path.Combine(arch, "data.jsonl"), "--out", Path.GetTempPath());
        Assert.Equal(2, code);
        Assert.Contains("--out", err);
        Assert.Contains("is a folder", err);
    }
}
