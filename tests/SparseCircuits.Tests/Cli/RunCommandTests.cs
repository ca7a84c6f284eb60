using System.Text.Json;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Cli;

public class RunCommandTests
{
    private static (int Code, string Out, string Err) Sfc(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = global::Sfc.SfcApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [SharedFact]
    public void JsonLogitsAndNllMatchPyTorch()
    {
        using var expected = Fixtures.Expected("tiny_gpt_neox");
        var ids = Fixtures.Ints(expected.RootElement.GetProperty("ids"));
        var logits = Fixtures.Matrix(expected.RootElement.GetProperty("logits"));
        int v = logits.Length / ids.Length;
        var (code, output, _) = Sfc("run", "--model", Fixtures.ModelDir("tiny_gpt_neox"), "--ids", string.Join(",", ids), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(ids, doc.RootElement.GetProperty("tokens").EnumerateArray().Select(x => x.GetInt32()));
        var last = doc.RootElement.GetProperty("logits").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Assert.True(Fixtures.RelativeError(logits.AsSpan((ids.Length - 1) * v, v), last) <= 1e-4);
        // NLL recomputed in float64 from PyTorch's logits.
        double nll = 0;
        for (int p = 0; p < ids.Length - 1; p++)
        {
            var row = logits.AsSpan(p * v, v).ToArray();
            double max = row.Max(), z = row.Sum(x => Math.Exp(x - max));
            nll -= row[ids[p + 1]] - max - Math.Log(z);
        }
        Assert.Equal(nll / (ids.Length - 1), doc.RootElement.GetProperty("nll").GetDouble(), 4);
    }

    [SharedFact]
    public void GreedyGenerationOnStories260K()
    {
        var dir = Paths.SharedPath("data", "models", "stories260K");
        var (code, output, _) = Sfc("run", "--model", Path.Combine(dir, "stories260K.bin"), "--tokenizer", Path.Combine(dir, "tok512.bin"),
            "--prompt", "Once upon a time", "--generate", "12");
        Assert.Equal(0, code);
        Assert.StartsWith("Once upon a time, there was a little girl named Lily.", output.Trim());
    }

    [Theory]
    [InlineData("run", "--model", "/nonexistent/model", "--ids", "1")]
    [InlineData("run", "--ids", "1")]
    [InlineData("run", "--model", ".", "--ids", "1,x")]
    [InlineData("no-such-command")]
    public void BadInputIsOneLineAndExitCodeTwo(params string[] args)
    {
        var (code, output, error) = Sfc(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
