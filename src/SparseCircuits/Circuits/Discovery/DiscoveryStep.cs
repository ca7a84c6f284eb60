namespace SparseCircuits.Circuits.Discovery;

/// <summary>Progress of <see cref="CircuitDiscovery"/>: one node site or one edge type finished for one batch.</summary>
/// <param name="Phase"><see cref="Nodes"/> or <see cref="Edges"/>.</param>
/// <param name="Item">The site or edge type just finished ("resid_1", "attn_1->resid_1").</param>
/// <param name="Done">Steps of this phase finished so far.</param>
/// <param name="Total">Steps of this phase in all (batches × sites or batches × edge types).</param>
/// <param name="Seconds">Time the item took.</param>
public sealed record DiscoveryStep(string Phase, string Item, int Done, int Total, double Seconds)
{
    public const string Nodes = "nodes";
    public const string Edges = "edges";
}
