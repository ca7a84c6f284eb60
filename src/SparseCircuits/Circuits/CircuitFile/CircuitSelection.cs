namespace SparseCircuits.Circuits;

/// <summary>
/// The nodes and edges of a circuit that pass the thresholds (algorithm §5.4): nodes in forward site order, then by
/// |effect| descending; edges whose endpoints both pass (the output always passes) and whose |weight| passes.
/// <see cref="Nodes"/> does not contain the output node; <see cref="Output"/> is it.
/// </summary>
public sealed record CircuitSelection(
    IReadOnlyList<CircuitNode> Nodes,
    IReadOnlyList<CircuitEdge> Edges,
    CircuitNode Output,
    double NodeThreshold,
    double EdgeThreshold,
    bool PositiveOnly);
