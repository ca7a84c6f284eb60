using System.Text.Json;
using SparseCircuits.Circuits;
using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.Circuits;

/// <summary>
/// Small circuits written out by hand (F = 4, the error node at index 4), with the nodes and edges a threshold must
/// select worked out by hand in the comments, including values exactly on the thresholds.
/// </summary>
internal static class HandCircuits
{
    public const double NodeThreshold = 0.25;
    public const double EdgeThreshold = 0.125;

    public static readonly float[] Embed = [0.5f, -0.25f, 0.1f, 0f, 0.75f];
    public static readonly float[] Attn0 = [0f, 0.3f, -0.6f, 0.2f, -0.05f];
    public static readonly float[] Resid0 = [1f, 0f, -0.125f, 0.25f, 0.4f];

    public static readonly long[] EmbedToAttnIndices = [2, 0, 1, 4, 1, 1, 3, 0];
    public static readonly float[] EmbedToAttnValues = [0.5f, -0.2f, 0.9f, 0.7f];
    public static readonly long[] AttnToResidIndices = [0, 2, 4, 1, 0, 1];
    public static readonly float[] AttnToResidValues = [0.125f, -0.5f, 0.3f];
    public static readonly long[] EmbedToResidIndices = [0, 0, 3, 4];
    public static readonly float[] EmbedToResidValues = [0.25f, 1.5f];
    public static readonly long[] ResidToYIndices = [0, 0, 0, 4, 0, 2];
    public static readonly float[] ResidToYValues = [1f, 0.4f, -0.125f];

    /// <summary>
    /// Aggregation "sum", T_N = 0.25, T_E = 0.125. Nodes passing |effect| > 0.25: embed/0 (0.5), embed/ε (0.75),
    /// attn_0/1 (0.3), attn_0/2 (−0.6), resid_0/0 (1), resid_0/ε (0.4); embed/1 (−0.25) and resid_0/3 (0.25) sit on
    /// the threshold and fail. Edges are given in an order other than the forward one on purpose.
    /// </summary>
    public static Circuit Sum() => new(
        Metadata(CircuitVocabulary.Sum, null),
        [
            new NodeEffects("embed", Tensor.FromArray((float[])Embed.Clone(), 5)),
            new NodeEffects("attn_0", Tensor.FromArray((float[])Attn0.Clone(), 5)),
            new NodeEffects("resid_0", Tensor.FromArray((float[])Resid0.Clone(), 5)),
        ],
        [
            new EdgeEffects("resid_0", "y", ResidToYIndices, ResidToYValues),
            new EdgeEffects("embed", "attn_0", EmbedToAttnIndices, EmbedToAttnValues),
            new EdgeEffects("attn_0", "resid_0", AttnToResidIndices, AttnToResidValues),
            new EdgeEffects("embed", "resid_0", EmbedToResidIndices, EmbedToResidValues),
        ])
    {
        Labels = new Dictionary<string, string> { ["embed/0"] = "plural subject", ["attn_0/3"] = "never shown" },
    };

    /// <summary>The ids and effects of <see cref="Sum"/>'s nodes above the threshold, in file order: forward site
    /// order, then |effect| descending.</summary>
    public static readonly (string Id, float Effect)[] SumNodes =
    [
        ("embed/ε", 0.75f), ("embed/0", 0.5f),
        ("attn_0/2", -0.6f), ("attn_0/1", 0.3f),
        ("resid_0/0", 1f), ("resid_0/ε", 0.4f),
    ];

    /// <summary>Edges of <see cref="Sum"/> above the thresholds. Dropped: attn_0/1 ← embed/1 (0.9; embed/1 fails),
    /// attn_0/3 ← embed/0 (0.7; attn_0/3 fails), resid_0/0 ← attn_0/2 (0.125, on the edge threshold),
    /// resid_0/3 ← embed/ε (1.5; resid_0/3 fails), y ← resid_0/2 (resid_0/2 fails).</summary>
    public static readonly (string Source, string Target, float Weight)[] SumEdges =
    [
        ("embed/0", "attn_0/2", 0.5f),
        ("embed/ε", "attn_0/1", -0.2f),
        ("embed/0", "resid_0/0", 0.25f),
        ("attn_0/1", "resid_0/ε", -0.5f),
        ("attn_0/1", "resid_0/0", 0.3f),
        ("resid_0/0", "y", 1f),
        ("resid_0/ε", "y", 0.4f),
    ];

    // Aggregation "none": S = 3 positions, rows are positions.
    public static readonly float[] PositionalEmbed =
    [
        0.6f, 0f, 0f, 0f, 0f,
        0f, -0.3f, 0f, 0f, 0.2f,
        0f, 0f, 0f, 0.1f, -0.9f,
    ];

    public static readonly float[] PositionalResid =
    [
        0f, 0f, 0f, 0f, 0f,
        0.5f, 0f, 0f, 0f, 0f,
        0f, 0.25f, 0f, 0.8f, 0f,
    ];

    /// <summary>(down_pos, down_idx, up_pos, up_idx).</summary>
    public static readonly long[] PositionalEdgeIndices = [1, 0, 0, 0, 2, 3, 2, 4, 2, 1, 1, 1, 2, 3, 1, 2, 2, 3, 1, 1];
    public static readonly float[] PositionalEdgeValues = [0.4f, -0.7f, 0.9f, 0.5f, 0.1f];
    public static readonly long[] PositionalYIndices = [2, 0, 2, 3, 2, 0, 1, 0, 2, 0, 2, 1];
    public static readonly float[] PositionalYValues = [0.8f, 0.5f, 0.25f];

    /// <summary>
    /// Aggregation "none", T_N = 0.25, T_E = 0.125. Passing: "0, embed/0" (0.6), "1, embed/1" (−0.3), "2, embed/ε"
    /// (−0.9), "1, resid_0/0" (0.5), "2, resid_0/3" (0.8); "2, resid_0/1" (0.25) fails on the threshold.
    /// </summary>
    public static Circuit Positional() => new(
        Metadata(CircuitVocabulary.None, ["The", " keys", " are"]),
        [
            new NodeEffects("embed", Tensor.FromArray((float[])PositionalEmbed.Clone(), 3, 5)),
            new NodeEffects("resid_0", Tensor.FromArray((float[])PositionalResid.Clone(), 3, 5)),
        ],
        [
            new EdgeEffects("embed", "resid_0", PositionalEdgeIndices, PositionalEdgeValues),
            new EdgeEffects("resid_0", "y", PositionalYIndices, PositionalYValues),
        ]);

    public static readonly (string Id, float Effect)[] PositionalNodes =
    [
        ("2, embed/ε", -0.9f), ("0, embed/0", 0.6f), ("1, embed/1", -0.3f),
        ("2, resid_0/3", 0.8f), ("1, resid_0/0", 0.5f),
    ];

    /// <summary>Dropped: (2,1)←(1,1) 0.9 (down fails), (2,3)←(1,2) 0.5 (up is 0), (2,3)←(1,1) 0.1 (below T_E),
    /// y ← (2,1) (node on the threshold).</summary>
    public static readonly (string Source, string Target, float Weight)[] PositionalEdges =
    [
        ("0, embed/0", "1, resid_0/0", 0.4f),
        ("2, embed/ε", "2, resid_0/3", -0.7f),
        ("2, resid_0/3", "y", 0.8f),
        ("1, resid_0/0", "y", 0.5f),
    ];

    public static CircuitMetadata Metadata(string aggregation, string[]? tokens) => new()
    {
        Model = "models/pythia-70m-deduped",
        Dictionaries = "dictionaries/pythia-70m-deduped",
        Data = "data/simple_train.json",
        Method = CircuitVocabulary.IntegratedGradients,
        Steps = 10,
        Aggregation = aggregation,
        NodeThreshold = NodeThreshold,
        EdgeThreshold = EdgeThreshold,
        Examples = 100,
        Tokens = tokens,
        Metric = new CircuitMetric(-2.5, 3.25),
        Timings = new Dictionary<string, double> { ["nodes"] = 1.5, ["edges"] = 2.25 },
        Extra = new Dictionary<string, JsonElement> { ["start_layer"] = JsonSerializer.SerializeToElement(2) },
    };
}
