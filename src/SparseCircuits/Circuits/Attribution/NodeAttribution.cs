using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// The node effects at one site for one batch, with what produced them (the inputs edges need, algorithm §5):
/// IE_f = ḡ_f · Δf per support entry and IE_ε = Σ_d ḡ_ε · Δε per (example, position).
/// </summary>
/// <param name="Delta">The site's clean and patch states; <see cref="SiteDelta.Support"/> orders the feature arrays.</param>
/// <param name="FeatureGradient">ḡ_f = ∂m/∂f per support entry (IG: averaged over the steps; AtP: at the clean run;
/// null for exact patching, which has no gradients).</param>
/// <param name="ErrorGradient">ḡ_ε = ∂m/∂ε, [B, S, d] (null for exact patching).</param>
/// <param name="Effects">Dense effects [B, S, F+1], the error node last.</param>
public sealed record NodeAttribution(SiteDelta Delta, float[]? FeatureGradient, Tensor? ErrorGradient, Tensor Effects)
{
    public Site Site => Delta.Site;

    public int FeatureCount => Delta.FeatureCount;

    /// <summary>Effects from gradients: ḡ_f·Δf scattered to [B, S, F+1], ḡ_ε·Δε summed over d at index F.</summary>
    public static NodeAttribution FromGradients(SiteDelta delta, float[] featureGradient, Tensor errorGradient)
    {
        int b = delta.Batch, s = delta.Length, f = delta.FeatureCount, d = errorGradient.Dim(-1);
        var effects = Tensor.Zeros(b, s, f + 1);
        var e = effects.Span;
        var support = delta.Support;
        var df = delta.FeatureDelta();
        var gErr = errorGradient.Span;
        for (int r = 0; r < b * s; r++)
        {
            var idx = support.IndicesOf(r);
            int start = support.RowStart[r];
            for (int j = 0; j < idx.Length; j++) e[r * (f + 1) + idx[j]] = featureGradient[start + j] * df[start + j];
            e[r * (f + 1) + f] = (float)delta.ErrorInner(r, gErr.Slice(r * d, d), featureGradient.AsSpan(start, idx.Length), df.AsSpan(start, idx.Length));
        }
        return new NodeAttribution(delta, featureGradient, errorGradient, effects);
    }
}
