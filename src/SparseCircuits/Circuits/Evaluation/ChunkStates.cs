using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// One plain (unablated, no-grad) forward pass of a chunk: the activations at the evaluated sites, every block's
/// input and the final residual stream, plus each site's features f = enc(x) over the chunk's B·S rows, encoded on
/// first use (a run reuses a site's clean features only where nothing upstream has changed yet).
/// </summary>
internal sealed class ChunkStates
{
    private readonly DictionarySet dictionaries;
    private readonly Dictionary<Site, SparseCodes> codes = new();

    private ChunkStates(BatchActivations activations, DictionarySet dictionaries)
    {
        Activations = activations;
        this.dictionaries = dictionaries;
    }

    public BatchActivations Activations { get; }

    /// <summary>f at <paramref name="site"/>, one row per (example, position) of the chunk.</summary>
    public SparseCodes Codes(Site site)
    {
        if (codes.TryGetValue(site, out var known)) return known;
        return codes[site] = DistinctRows.EncodeEvery(dictionaries[site], Activations.At(site));
    }

    public static ChunkStates Capture(Transformer model, DictionarySet dictionaries, IReadOnlyList<Site> sites, TokenBatch tokens)
    {
        using var _ = Tape.NoGrad();
        return new ChunkStates(BatchActivations.Capture(model, tokens, sites), dictionaries);
    }
}
