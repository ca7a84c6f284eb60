using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// One edge type U → D between adjacent sites (algorithm §5.3), with the sites whose output gradient is zeroed during
/// the backward pass so that only the intended path is measured.
/// </summary>
public sealed record EdgeType(Site Upstream, Site Downstream, IReadOnlyList<Site> Stops)
{
    /// <summary>The block whose forward pass carries the edge (the downstream site's layer).</summary>
    public int Layer => Downstream.Layer;

    /// <summary>
    /// True when, with its stops, the only path left from U to D is the residual stream's skip connection, whose Jacobian
    /// is the identity: mlp_L → resid_L, attn_L → resid_L [stop mlp_L] and prev → resid_L [stop mlp_L, attn_L]. Every block
    /// form the models use (sequential or parallel) ends in resid_L = resid_pre + attn + mlp as plain sums, so the
    /// gradient at U is D's seed itself and no backward pass is needed (§5.3's stops exist to leave exactly this path).
    /// </summary>
    public bool IsSkipPath =>
        Downstream.Kind == SiteKind.Resid && Stops.Contains(Site.MlpOut(Layer)) == (Upstream.Kind != SiteKind.Mlp) && Upstream.Kind switch
        {
            SiteKind.Mlp => Upstream.Layer == Layer,
            SiteKind.Attn => Upstream.Layer == Layer,
            SiteKind.Resid => Upstream.Layer == Layer - 1 && Stops.Contains(Site.AttnOut(Layer)),
            SiteKind.Embed => Layer == 0 && Stops.Contains(Site.AttnOut(Layer)),
            _ => false,
        };

    /// <summary>"U->D", the key the results files use.</summary>
    public string Key => $"{Upstream.Name}->{Downstream.Name}";

    /// <summary>
    /// The edge types of a model, from the last layer to the first as upstream does: MR, AR [stop mlp], AM (sequential
    /// blocks only), RM [stop attn], RA, RR [stop mlp, attn], with prev = resid_{l−1} or embed at layer 0.
    /// </summary>
    public static IReadOnlyList<EdgeType> ForModel(ModelConfig config)
    {
        var types = new List<EdgeType>();
        for (int l = config.Layers - 1; l >= 0; l--)
        {
            var attn = Site.AttnOut(l);
            var mlp = Site.MlpOut(l);
            var resid = Site.ResidPost(l);
            var prev = l == 0 ? Site.Embed : Site.ResidPost(l - 1);
            types.Add(new EdgeType(mlp, resid, []));
            types.Add(new EdgeType(attn, resid, [mlp]));
            if (!config.ParallelResidual) types.Add(new EdgeType(attn, mlp, []));
            types.Add(new EdgeType(prev, mlp, [attn]));
            types.Add(new EdgeType(prev, attn, []));
            types.Add(new EdgeType(prev, resid, [mlp, attn]));
        }
        return types;
    }
}
