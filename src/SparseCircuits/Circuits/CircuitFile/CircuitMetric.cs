namespace SparseCircuits.Circuits;

/// <summary>The metric m averaged over the examples on the clean run and on the patch run (algorithm §2).</summary>
public sealed record CircuitMetric(double Clean, double Patch);
