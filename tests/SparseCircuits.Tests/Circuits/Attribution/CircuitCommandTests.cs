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
        var folder = Path.Combine(Path.GetTempPath(), "sfc-circuit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string arch = "tiny_gpt2", outPath = Path.Combine(folder, "circuit.json");
            var (code, output) = Run("circuit", "--model", Paths.SharedPath("fixtures", arch),
                "--dictionaries", Paths.SharedPath("fixtures", arch, "dictionaries"), "--data", Paths.SharedPath("fixtures", arch, "data.jsonl"),
                "--examples", "16", "--batch-size", "8", "--method", "atp", "--aggregation", "none", "--node-threshold", "0.1", "--out", outPath);
            Assert.Equal(0, code);
            Assert.Contains("kept 16 of 16", output);
            Assert.Contains("edges: not yet computed", output);
            var circuit = CircuitReader.Read(outPath);
            Assert.Equal("atp", circuit.Metadata.Method);
            Assert.Equal(16, circuit.Metadata.Examples);
            // The loader shuffles (seed 12) but aggregation is a mean over the same 16 examples, so the order is irrelevant.
            using var json = AttributionFixture.Result($"{arch}_atp_none.json");
            foreach (var node in circuit.Nodes)
                Fixtures.AssertRelative(Fixtures.Matrix(json.RootElement.GetProperty("nodes").GetProperty(node.Site).GetProperty("dense")), node.Effects, 1e-4, node.Site);
            var clean = AttributionFixture.Floats(json.RootElement.GetProperty("metric").GetProperty("clean")).Average();
            Assert.Equal(clean, circuit.Metadata.Metric.Clean, 1e-5);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [SharedFact]
    public void MissingDictionariesIsAnInputError()
    {
        var e = Assert.Throws<SfcInputException>(() => Run("circuit", "--model", Paths.SharedPath("fixtures", "tiny_gpt2"),
            "--data", Paths.SharedPath("fixtures", "tiny_gpt2", "data.jsonl")));
        Assert.Contains("--dictionaries", e.Message);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var root = new RootCommand { CircuitCommand.Create() };
        var output = new StringWriter();
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
        return (code, output.ToString());
    }
}
