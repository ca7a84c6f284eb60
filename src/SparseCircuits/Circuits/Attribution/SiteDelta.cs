using System.Numerics.Tensors;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// A site's clean and patch states in dictionary terms (algorithm §3): f_c, ε_c, f_p, ε_p over the B·S rows of a batch.
/// Features live on <see cref="Support"/>, the features active in either run (only there can Δf be nonzero), so every
/// per-feature quantity here is one float per support entry. Without a patch run the baseline is zero ablation
/// (f_p = 0, ε_p = 0).
/// </summary>
public sealed record SiteDelta(
    Site Site,
    int Batch,
    int Length,
    int FeatureCount,
    SparseCodes Support,
    float[] CleanFeatures,
    float[] PatchFeatures,
    Tensor CleanError,
    Tensor PatchError)
{
    /// <summary>Δf = f_p − f_c on the support, in its entry order.</summary>
    public float[] FeatureDelta()
    {
        var delta = new float[CleanFeatures.Length];
        TensorPrimitives.Subtract(PatchFeatures, CleanFeatures, delta);
        return delta;
    }

    /// <summary>Δε = ε_p − ε_c, [B, S, d].</summary>
    public Tensor ErrorDelta()
    {
        var delta = Tensor.Empty(CleanError.ShapeArray);
        TensorPrimitives.Subtract(PatchError.Read(), CleanError.Read(), delta.Span);
        return delta;
    }

    /// <summary>The site's value at the clean end of the path, dec(f_c) + ε_c: the clean activation, [B, S, d].</summary>
    public Tensor? CleanActivation { get; init; }

    /// <summary>The site's value at the patch end, dec(f_p) + ε_p: the patch activation, or dec(0) = b_dec broadcast for
    /// zero ablation, [B, S, d].</summary>
    public Tensor? PatchActivation { get; init; }

    /// <summary>True when ε = x − dec(f) may be taken from the activations and the features (an SAE); false for the
    /// identity, whose error is exactly zero however the rounding of that subtraction would fall.</summary>
    public bool ErrorFromActivations { get; init; }

    /// <summary>
    /// Encodes the site's activation in the clean run and (when given) the patch run: one encoder product over the
    /// distinct rows of both runs (<see cref="DistinctRows"/>: the runs agree up to the first differing token, and
    /// examples often share their first tokens), so the encoder weights are read once and no row is encoded twice. The errors ε = x − dec(f) are decoded only if read
    /// (<see cref="LazyTensor"/>): the attribution formulas take ⟨g, Δε⟩ as ⟨g, Δx⟩ − Σ_j Δf_j·(W_dec[j]·g), whose
    /// terms they have anyway (<see cref="ErrorInner"/>).
    /// </summary>
    public static SiteDelta Compute(Site site, IFeatureDictionary dictionary, Tensor clean, Tensor? patch)
    {
        if (dictionary.Info.IsTranscoder)
            throw new NotSupportedException($"Node attribution with a transcoder ({dictionary.Info.Source}) is not supported yet.");
        if (patch is not null && !patch.SameShape(clean)) throw new ArgumentException($"Patch activation {patch} and clean {clean} differ in shape.");
        using var _ = Tape.NoGrad();
        int rows = clean.Rows, d = clean.Columns;
        var both = patch is null ? clean.View(rows, d) : Stack(clean, patch);
        var codes = DistinctRows.EncodeEvery(dictionary, both);
        var errors = new Lazy<Tensor>(() =>
        {
            using var noGrad = Tape.NoGrad();
            var error = Tensor.Empty(both.ShapeArray);
            TensorPrimitives.Subtract(both.Read(), dictionary.DecodeSparse(codes, both).Read(), error.Span);
            return error;
        });
        var cleanCodes = patch is null ? codes : codes.SliceRows(0, rows);
        var cleanError = LazyTensor.Of(clean.ShapeArray, () => errors.Value.SliceRows(0, rows));
        SparseCodes patchCodes;
        Tensor patchError, patchActivation;
        if (patch is null)
        {
            patchCodes = SparseCodes.Empty(rows, cleanCodes.Width);
            patchError = Tensor.Zeros(clean.ShapeArray);
            patchActivation = dictionary.DecodeSparse(patchCodes).View(clean.ShapeArray);
        }
        else
        {
            patchCodes = codes.SliceRows(rows, rows);
            patchError = LazyTensor.Of(clean.ShapeArray, () => errors.Value.SliceRows(rows, rows));
            patchActivation = patch;
        }
        var (support, patchValues) = Union(cleanCodes, patchCodes);
        return new SiteDelta(site, clean.Dim(0), clean.Dim(1), dictionary.Width, support, support.Values, patchValues, cleanError, patchError)
        {
            CleanActivation = clean,
            PatchActivation = patchActivation,
            ErrorFromActivations = dictionary is not IdentityDictionary,
        };
    }

    /// <summary>
    /// ⟨g, Δε⟩ at one row: from the activations when known, as ⟨g, Δx⟩ − Σ_e Δf_e·featureDots[e] over the row's support
    /// entries (featureDots[e] = W_dec[j_e]·g, which every caller computes for the feature effects), so the errors need
    /// not be decoded; else from the errors. Sums in float64.
    /// </summary>
    public double ErrorInner(int row, ReadOnlySpan<float> g, ReadOnlySpan<float> featureDots, ReadOnlySpan<float> featureDelta)
    {
        int d = g.Length;
        double sum = 0;
        if (!ErrorFromActivations || CleanActivation is null || PatchActivation is null)
        {
            var ec = CleanError.Read().Slice(row * d, d);
            var ep = PatchError.Read().Slice(row * d, d);
            for (int i = 0; i < d; i++) sum += (double)g[i] * ((double)ep[i] - ec[i]);
            return sum;
        }
        var xc = CleanActivation.Read().Slice(row * d, d);
        var xp = PatchActivation.Read().Slice(row * d, d);
        for (int i = 0; i < d; i++) sum += (double)g[i] * ((double)xp[i] - xc[i]);
        for (int e = 0; e < featureDots.Length; e++) sum -= (double)featureDots[e] * featureDelta[e];
        return sum;
    }

    /// <summary>The features active in either code, row by row (one merge of the sorted rows), with the clean values as
    /// the codes' values and the patch values beside them (0 where a feature is inactive).</summary>
    private static (SparseCodes Support, float[] PatchValues) Union(SparseCodes clean, SparseCodes patch)
    {
        int rows = clean.Rows;
        var rowStart = new int[rows + 1];
        var indices = new int[clean.NonZeros + patch.NonZeros];
        var cleanValues = new float[indices.Length];
        var patchValues = new float[indices.Length];
        int n = 0;
        for (int r = 0; r < rows; r++)
        {
            var ci = clean.IndicesOf(r);
            var cv = clean.ValuesOf(r);
            var pi = patch.IndicesOf(r);
            var pv = patch.ValuesOf(r);
            int a = 0, b = 0;
            while (a < ci.Length || b < pi.Length)
            {
                int j = b >= pi.Length || (a < ci.Length && ci[a] <= pi[b]) ? ci[a] : pi[b];
                indices[n] = j;
                cleanValues[n] = a < ci.Length && ci[a] == j ? cv[a++] : 0f;
                patchValues[n++] = b < pi.Length && pi[b] == j ? pv[b++] : 0f;
            }
            rowStart[r + 1] = n;
        }
        return (new SparseCodes(rows, clean.Width, rowStart, indices[..n], cleanValues[..n]), patchValues[..n]);
    }

    /// <summary>The rows of <paramref name="a"/> then those of <paramref name="b"/>, as [2·rows, d].</summary>
    private static Tensor Stack(Tensor a, Tensor b)
    {
        var both = Tensor.Empty(a.Rows + b.Rows, a.Columns);
        a.Read().CopyTo(both.Span);
        b.Read().CopyTo(both.Span[a.Length..]);
        return both;
    }
}
