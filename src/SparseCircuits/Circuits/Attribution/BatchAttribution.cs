using SparseCircuits.Circuits.Data;
using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Node effects of one batch at every spliced site, with the metric per example on the clean run and on the patch
/// run (the patch run's metric is null for unpaired data: the zero-ablation baseline is not a run of the model).
/// </summary>
public sealed record BatchAttribution(
    ExampleBatch Batch,
    float[] CleanMetric,
    float[]? PatchMetric,
    IReadOnlyDictionary<Site, NodeAttribution> Sites)
{
    public int Count => Batch.Count;

    /// <summary>The clean run's cached activations (what edges are computed from), when the attributor kept them.</summary>
    public BatchActivations? Clean { get; init; }
}
