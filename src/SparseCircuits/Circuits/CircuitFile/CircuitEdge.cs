namespace SparseCircuits.Circuits;

/// <summary>One edge of a thresholded circuit, from an upstream node to a downstream node (or the output).</summary>
public sealed record CircuitEdge(CircuitNode Source, CircuitNode Target, float Weight);
