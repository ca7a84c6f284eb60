using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Plotting;

namespace Sfc.Demo;

/// <summary>
/// Drawing thresholds that keep a circuit picture legible: at least the circuit's own T_N and T_E, raised until at most
/// <c>maxNodes</c> nodes and <c>maxEdges</c> edges remain (the strongest ones). The evaluated circuit is unchanged.
/// </summary>
public static class ReadablePlotThresholds
{
    public static PlotOptions For(Circuit circuit, int maxNodes = 50, int maxEdges = 80)
    {
        double nodeThreshold = Raise(circuit.Threshold().Nodes.Select(n => Math.Abs(n.Effect)), circuit.Metadata.NodeThreshold, maxNodes);
        var edges = circuit.Threshold(nodeThreshold, circuit.Metadata.EdgeThreshold).Edges;
        double edgeThreshold = Raise(edges.Select(e => Math.Abs(e.Weight)), circuit.Metadata.EdgeThreshold, maxEdges);
        return new PlotOptions { NodeThreshold = nodeThreshold, EdgeThreshold = edgeThreshold };
    }

    /// <summary>The smallest threshold ≥ <paramref name="floor"/> that keeps at most <paramref name="keep"/> of the
    /// magnitudes strictly above it.</summary>
    private static double Raise(IEnumerable<float> magnitudes, double floor, int keep)
    {
        var sorted = magnitudes.OrderByDescending(m => m).ToList();
        return sorted.Count <= keep ? floor : Math.Max(floor, sorted[keep]);
    }
}
