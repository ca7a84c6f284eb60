using System.Numerics.Tensors;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Pass 1 of running with ablations (algorithm §7): the patch prompts (the clean ones for unpaired data) are run
/// with no intervention, each evaluated site's activation x is split into f = enc(x) and ε = x − dec(f), and the
/// ablation function turns them into the values ablated nodes take. Computed once per sweep: every threshold's runs
/// ablate towards the same values.
/// </summary>
public sealed class AblationValues
{
    private readonly Dictionary<Site, SiteAblation> bySite;

    private AblationValues(AblationKind kind, Dictionary<Site, SiteAblation> bySite)
    {
        Kind = kind;
        this.bySite = bySite;
    }

    public AblationKind Kind { get; }

    public SiteAblation this[Site site] => bySite[site];

    public IEnumerable<Site> Sites => bySite.Keys.OrderBy(s => s.Order);

    /// <summary>
    /// The ablation values at <paramref name="sites"/> over <paramref name="examples"/> (which must share one
    /// length), run <paramref name="batchSize"/> at a time. The mean is over every example, whatever the batch size;
    /// resampling draws example rows with replacement from <c>new Random(seed)</c>.
    /// </summary>
    public static AblationValues Compute(Transformer model, DictionarySet dictionaries, IReadOnlyList<Site> sites,
        IReadOnlyList<PromptExample> examples, AblationKind kind, int seed = 0, int batchSize = 64)
    {
        var chunks = ExampleChunk.Split(examples, batchSize);
        var states = kind == AblationKind.Zero
            ? []
            : chunks.Select(c => ChunkStates.Capture(model, dictionaries, sites, c.Patch ?? c.Clean)).ToList();
        return From(dictionaries, sites, states, examples.Count, examples[0].Length, kind, seed);
    }

    /// <summary>The values from the plain runs of every chunk, in example order (unused for zero ablation).</summary>
    internal static AblationValues From(DictionarySet dictionaries, IReadOnlyList<Site> sites, IReadOnlyList<ChunkStates> runs,
        int examples, int positions, AblationKind kind, int seed)
    {
        var result = new Dictionary<Site, SiteAblation>();
        int[]? draw = null;
        if (kind == AblationKind.Resample)
        {
            var rng = new Random(seed);
            draw = Enumerable.Range(0, examples).Select(_ => rng.Next(examples)).ToArray();
        }
        foreach (var site in sites)
        {
            var dictionary = dictionaries[site];
            result[site] = kind switch
            {
                AblationKind.Zero => Zero(site, dictionary, positions),
                AblationKind.Mean => Mean(site, dictionary, runs, examples, positions),
                _ => Resample(site, dictionary, runs, positions, draw!),
            };
        }
        return new AblationValues(kind, result);
    }

    private static SiteAblation Zero(Site site, IFeatureDictionary dictionary, int positions) =>
        SiteAblation.Create(site, positions, false, dictionary, SparseCodes.Empty(positions, dictionary.Width), Tensor.Zeros(positions, dictionary.OutputDim));

    /// <summary>a[s] = mean over examples of f[b, s], a_ε[s] = mean of ε[b, s], summed in float64.</summary>
    private static SiteAblation Mean(Site site, IFeatureDictionary dictionary, IReadOnlyList<ChunkStates> runs, int examples, int positions)
    {
        int f = dictionary.Width, d = dictionary.OutputDim;
        var featureSum = new double[positions * f];
        var errorSum = new double[positions * d];
        foreach (var run in runs)
        {
            var codes = run.Codes(site);
            var error = Error(dictionary, run.Activations.At(site), codes);
            var e = error.Span;
            for (int r = 0; r < codes.Rows; r++)
            {
                int p = r % positions;
                var idx = codes.IndicesOf(r);
                var val = codes.ValuesOf(r);
                for (int k = 0; k < idx.Length; k++) featureSum[p * f + idx[k]] += val[k];
                for (int i = 0; i < d; i++) errorSum[p * d + i] += e[r * d + i];
            }
        }
        var meanFeatures = featureSum.Select(v => (float)(v / examples)).ToArray();
        var meanError = Tensor.FromArray(errorSum.Select(v => (float)(v / examples)).ToArray(), positions, d);
        return SiteAblation.Create(site, positions, false, dictionary, SparseCodes.FromDense(meanFeatures, positions, f), meanError);
    }

    /// <summary>Row (b, s) takes example draw[b]'s f and ε at position s.</summary>
    private static SiteAblation Resample(Site site, IFeatureDictionary dictionary, IReadOnlyList<ChunkStates> runs, int positions, int[] draw)
    {
        int d = dictionary.OutputDim;
        var rows = new List<(SparseCodes Codes, int Row)>();
        var error = Tensor.Empty(draw.Length * positions, d);
        var errors = runs.Select(r => Error(dictionary, r.Activations.At(site), r.Codes(site))).ToArray();
        for (int b = 0; b < draw.Length; b++)
        {
            var (chunk, offset) = Locate(runs, draw[b]);
            var codes = runs[chunk].Codes(site);
            for (int s = 0; s < positions; s++)
            {
                int source = (offset * positions) + s;
                rows.Add((codes, source));
                errors[chunk].Span.Slice(source * d, d).CopyTo(error.Span.Slice((b * positions + s) * d, d));
            }
        }
        return SiteAblation.Create(site, positions, true, dictionary, SparseRows.Gather(rows, dictionary.Width), error);
    }

    /// <summary>ε = x − dec(f) over the rows of a chunk, [B·S, d].</summary>
    private static Tensor Error(IFeatureDictionary dictionary, Tensor x, SparseCodes codes)
    {
        var error = SparseRowSums.Decode(dictionary, codes);
        TensorPrimitives.Subtract(x.Span, error.Span, error.Span);
        return error;
    }

    private static (int Chunk, int Offset) Locate(IReadOnlyList<ChunkStates> runs, int example)
    {
        for (int c = 0; c < runs.Count; c++)
        {
            int count = runs[c].Activations.Tokens.Batch;
            if (example < count) return (c, example);
            example -= count;
        }
        throw new ArgumentOutOfRangeException(nameof(example));
    }
}
