using System.CommandLine;
using System.Text.Json;
using Sfc.Commands;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

/// <summary><c>sfc bench gemm</c> prints the documented JSON line and rejects bad sizes as user input errors.</summary>
[Collection(GemmGlobalStateCollection.Name)]
public class BenchCommandTests
{
    [Fact]
    public void JsonLineHasTheDocumentedFields()
    {
        var (code, output) = Run("bench", "gemm", "--m", "17", "--n", "40", "--k", "9", "--repeat", "3", "--json");

        Assert.Equal(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(["m", "n", "k", "engine_gflops", "openblas_gflops", "managed_gflops"],
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(17, root.GetProperty("m").GetInt32());
        Assert.Equal(40, root.GetProperty("n").GetInt32());
        Assert.Equal(9, root.GetProperty("k").GetInt32());
        Assert.True(root.GetProperty("engine_gflops").GetDouble() > 0);
        Assert.True(root.GetProperty("managed_gflops").GetDouble() > 0);
        if (OpenBlas.IsAvailable) Assert.True(root.GetProperty("openblas_gflops").GetDouble() > 0);
        else Assert.Equal(JsonValueKind.Null, root.GetProperty("openblas_gflops").ValueKind);
    }

    [Fact]
    public void TableNamesEveryPath()
    {
        var (code, output) = Run("bench", "gemm", "--m", "5", "--n", "6", "--k", "7", "--repeat", "1", "--trans-b");

        Assert.Equal(0, code);
        Assert.Contains("openblas", output);
        Assert.Contains("engine", output);
        Assert.Contains("managed", output);
    }

    [Theory]
    [InlineData("--m", "0")]
    [InlineData("--k", "-3")]
    [InlineData("--repeat", "0")]
    public void NonPositiveSizesAreInputErrors(string flag, string value)
    {
        var e = Assert.Throws<SfcInputException>(() => Run("bench", "gemm", flag, value));
        Assert.Contains(flag, e.Message);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var root = new RootCommand { BenchCommand.Create() };
        var output = new StringWriter();
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
        return (code, output.ToString());
    }
}
