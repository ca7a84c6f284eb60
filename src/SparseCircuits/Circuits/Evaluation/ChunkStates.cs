using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// One plain (unablated, no-grad) forward pass of a chunk: the activations at the evaluated sites, every block's
/// input and the final residual stream, plus each site's features f = enc(x) over the chunk's B·S rows.
/// </summary>
internal sealed class ChunkStates
{
    private readonly Dictionary<Site, SparseCodes> codes;

    private ChunkStates(BatchActivations activations, Dictionary<Site, SparseCodes> codes)
    {
        Activations = activations;
        this.codes = codes;
    }

    public BatchActivations Activations { get; }

    /// <summary>f at <paramref name="site"/>, one row per (example, position) of the chunk.</summary>
    public SparseCodes Codes(Site site) => codes[site];

    public static ChunkStates Capture(Transformer model, DictionarySet dictionaries, IReadOnlyList<Site> sites, TokenBatch tokens)
    {
        using var _ = Tape.NoGrad();
        var activations = BatchActivations.Capture(model, tokens, sites);
        var codes = new Dictionary<Site, SparseCodes>();
        foreach (var site in sites)
        {
            var x = activations.At(site);
            codes[site] = dictionaries[site].EncodeSparse(x.View(x.Rows, x.Columns));
        }
        return new ChunkStates(activations, codes);
    }
}
