using System.Text.Json;
using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.TestSupport;

/// <summary>The random-weight models in ../shared/fixtures and the values PyTorch computed for them.</summary>
public static class Fixtures
{
    public static readonly string[] Architectures = { "tiny_gpt2", "tiny_gpt_neox", "tiny_llama" };

    public static string ModelDir(string name) => Paths.SharedPath("fixtures", name);

    public static Transformer Model(string name) => ModelLoader.Load(ModelDir(name));

    public static JsonDocument Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(Paths.SharedPath("fixtures", "expected", name + "_logits.json")));

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    /// <summary>A JSON array of arrays of numbers, flattened row-major.</summary>
    public static float[] Matrix(JsonElement e) =>
        e.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(x => (float)x.GetDouble())).ToArray();

    /// <summary>Max |a − b| over entries, divided by max |expected| (the parity criterion used across the project).</summary>
    public static double RelativeError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxErr = 0, scale = 1e-12;
        for (int i = 0; i < expected.Length; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(expected[i] - actual[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return maxErr / scale;
    }

    public static void AssertRelative(ReadOnlySpan<float> expected, Tensor actual, double tolerance, string what)
    {
        double err = RelativeError(expected, actual.Span);
        Assert.True(err <= tolerance, $"{what}: relative error {err:G3} > {tolerance:G3}");
    }
}
