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
