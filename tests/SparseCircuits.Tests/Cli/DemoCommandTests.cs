using System.Text.Json;
using Sfc.Demo;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Circuits.Plotting;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Cli;

/// <summary>A demo needs the bundled model (in the repository) plus Graphviz and gnuplot; skipped visibly without them.</summary>
public sealed class DemoFactAttribute : FactAttribute
{
    public DemoFactAttribute()
    {
        if (!Directory.Exists(Path.Combine(Paths.RepoRoot, BundledAgreementModel.ModelPath))) Skip = $"the bundled {BundledAgreementModel.ModelPath} is absent";
        else if (!Graphviz.IsInstalled) Skip = "Graphviz is not installed: apt-get install graphviz";
        else if (!Gnuplot.IsInstalled) Skip = "gnuplot is not installed: apt-get install gnuplot-nox";
    }
}

public class DemoCommandTests
{
    /// <summary>The shortened demo CI runs: one task, few examples. Every output is there, and the summary's numbers agree
    /// with values recomputed here from the written circuit and from plain forward passes.</summary>
    [DemoFact]
    public void ShortDemoWritesEveryOutputConsistently()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "sfc-demo-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = global::Sfc.SfcApp.Run(["demo", "--root", Paths.RepoRoot, "--tasks", "simple", "--examples", "12",
                "--eval-examples", "12", "--steps", "4", "--out", outDir], stdout, stderr);
            Assert.True(code == 0, stderr.ToString());
            Assert.Contains("simple", stdout.ToString());

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, DemoSummary.FileName)));
            var task = Assert.Single(summary.RootElement.EnumerateArray());
            Assert.Equal("simple", task.GetProperty("task").GetString());
            foreach (var key in new[] { "nodes", "faithfulness", "completeness", "seconds" }) Assert.True(task.TryGetProperty(key, out _), key);
            var curve = task.GetProperty("curve").EnumerateArray().ToList();
            Assert.Equal(16, curve.Count); // logspace(−4, 0, 15) plus T_N = 0.1
            foreach (var file in task.GetProperty("files").EnumerateObject())
            {
                var info = new FileInfo(Path.Combine(outDir, file.Value.GetString()!));
                Assert.True(info.Exists && info.Length > 0, $"{file.Name}: {info.FullName}");
            }
            Assert.StartsWith("<", File.ReadAllText(Path.Combine(outDir, "simple", "faithfulness.svg")).TrimStart()[..1]);

            // Node count at T_N counted by hand from the circuit file (every site is evaluated: start layer −1).
            var circuit = CircuitReader.Read(Path.Combine(outDir, "simple", "circuit.json"));
            int byHand = circuit.Nodes.Sum(n => n.Effects.ToArray().Count(e => Math.Abs(e) > 0.1));
            Assert.Equal(byHand, task.GetProperty("nodes").GetInt32());
            Assert.Equal(12, circuit.Metadata.Examples);
            Assert.NotEmpty(circuit.Edges);

            // F(M) = mean over the test prompts of L[clean answer] − L[patch answer], from plain forward passes.
            string modelDir = Path.Combine(Paths.RepoRoot, BundledAgreementModel.ModelPath);
            var model = ModelLoader.Load(modelDir);
            var tok = TokenizerLoader.Load(modelDir);
            var test = ExampleLoader.Load(Path.Combine(Paths.RepoRoot, BundledAgreementModel.DataPath, "simple_test.jsonl"), tok,
                new ExampleLoadOptions { Count = 12, VocabSize = model.Config.VocabSize });
            double fm = 0;
            foreach (var e in test.Examples)
            {
                SparseCircuits.Tensors.Tensor logits;
                using (Tape.NoGrad()) logits = model.Forward(TokenBatch.Single(e.CleanIds));
                int v = model.Config.VocabSize, last = (e.Length - 1) * v;
                fm += logits.Span[last + e.CleanAnswerId] - logits.Span[last + e.PatchAnswerId!.Value];
            }
            Assert.Equal(fm / test.Examples.Count, task.GetProperty("F_M").GetDouble(), 3);

            foreach (var f in task.GetProperty("number_features").EnumerateArray())
            {
                double s = f.GetProperty("singular_rate").GetDouble(), p = f.GetProperty("plural_rate").GetDouble();
                Assert.InRange(s, 0, 1);
                Assert.InRange(p, 0, 1);
            }
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void UnknownTaskIsOneClearError()
    {
        var stderr = new StringWriter();
        int code = global::Sfc.SfcApp.Run(["demo", "--root", Paths.RepoRoot, "--tasks", "simple,agreement"], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains("--tasks", stderr.ToString());
    }

    [Fact]
    public void MissingDictionaryFolderIsOneClearError()
    {
        var stderr = new StringWriter();
        string missing = Path.Combine(Path.GetTempPath(), $"sfc-no-such-saes-{Guid.NewGuid():N}");
        int code = global::Sfc.SfcApp.Run(["demo", "--root", Paths.RepoRoot, "--dictionaries", missing], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains("--dictionaries", stderr.ToString());
    }
}
