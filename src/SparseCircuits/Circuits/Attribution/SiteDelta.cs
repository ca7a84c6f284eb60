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

    /// <summary>Encodes the site's activation in the clean run and (when given) the patch run.</summary>
    public static SiteDelta Compute(Site site, IFeatureDictionary dictionary, Tensor clean, Tensor? patch)
    {
        if (dictionary.Info.IsTranscoder)
            throw new NotSupportedException($"Node attribution with a transcoder ({dictionary.Info.Source}) is not supported yet.");
        using var _ = Tape.NoGrad();
        var (cleanCodes, cleanError) = Decompose(dictionary, clean);
        SparseCodes patchCodes;
        Tensor patchError;
        if (patch is null)
        {
            patchCodes = SparseCodes.Empty(cleanCodes.Rows, cleanCodes.Width);
            patchError = Tensor.Zeros(clean.ShapeArray);
        }
        else
        {
            if (!patch.SameShape(clean)) throw new ArgumentException($"Patch activation {patch} and clean {clean} differ in shape.");
            (patchCodes, patchError) = Decompose(dictionary, patch);
        }
        var support = cleanCodes.Union(patchCodes);
        var patchOnSupport = patchCodes.At(support.RowStart, support.Indices);
        return new SiteDelta(site, clean.Dim(0), clean.Dim(1), dictionary.Width, support, support.Values, patchOnSupport.Values, cleanError, patchError);
    }

    private static (SparseCodes Codes, Tensor Error) Decompose(IFeatureDictionary dictionary, Tensor x)
    {
        var rows = x.View(x.Rows, x.Columns);
        var codes = dictionary.EncodeSparse(rows);
        var error = Tensor.Empty(x.ShapeArray);
        TensorPrimitives.Subtract(x.Read(), dictionary.DecodeSparse(codes, rows).Read(), error.Span);
        return (codes, error);
    }
}
