using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// One no-grad forward pass of a batch with the activations an attribution needs cached: every requested site's
/// activation, every block's input residual stream (so a site can be re-run from its own block, DESIGN §7), and the
/// final residual stream (for the metric).
/// </summary>
public sealed class BatchActivations
{
    private readonly Dictionary<Site, Tensor> sites;
    private readonly Tensor[] blockInputs;

    private BatchActivations(TokenBatch tokens, Dictionary<Site, Tensor> sites, Tensor[] blockInputs, Tensor residual)
    {
        Tokens = tokens;
        this.sites = sites;
        this.blockInputs = blockInputs;
        Residual = residual;
    }

    public TokenBatch Tokens { get; }

    /// <summary>The residual stream after the last block, [B, S, d].</summary>
    public Tensor Residual { get; }

    /// <summary>The activation at <paramref name="site"/>, [B, S, d].</summary>
    public Tensor At(Site site) => sites.TryGetValue(site, out var x) ? x : throw new ArgumentException($"Site {site} was not cached.");

    /// <summary>The activation at <paramref name="site"/> when it was cached, else null.</summary>
    public Tensor? TryAt(Site site) => sites.GetValueOrDefault(site);

    /// <summary>The input residual stream of block <paramref name="layer"/>, [B, S, d].</summary>
    public Tensor BlockInput(int layer) => blockInputs[layer];

    public static BatchActivations Capture(Transformer model, TokenBatch tokens, IEnumerable<Site> sitesToKeep)
    {
        var kept = new Dictionary<Site, Tensor>();
        var inputs = new Tensor[model.Config.Layers];
        var hooks = new ForwardHooks();
        foreach (var site in sitesToKeep.Distinct()) hooks.Read(site.Name, x => kept[site] = x);
        for (int l = 0; l < model.Config.Layers; l++)
        {
            int layer = l;
            hooks.Read(new Site(SiteKind.ResidPre, l).Name, x => inputs[layer] = x);
        }
        using var _ = Tape.NoGrad();
        var residual = model.ResidualStream(tokens, hooks);
        return new BatchActivations(tokens, kept, inputs, residual);
    }
}
