using System.Numerics.Tensors;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Integrated-gradients node effects at one site (algorithm §3.2), the other sites unspliced. The N interpolants
/// f_k = f_c + α_k Δf, ε_k = ε_c + α_k Δε with α_k = k/N, k = 0..N−1 (left Riemann sum) run as one batch of N·B
/// sequences from the site upward (layers below are cached); the metric is summed over all copies and one backward
/// pass gives the gradient g_k at the site, averaged over k into ḡ. Decoding is affine, so the site's value
/// dec(f_k) + ε_k is the interpolation of the two end values (no decoding per step), and ∂m/∂f_k = W_dec·g_k, so the
/// step-averaged feature gradient is W_dec·ḡ: one product for the support instead of one per step (DESIGN §7).
/// Two more savings, both exact: the k = 0 interpolant is the clean run, whose gradient at every site can be given
/// (<see cref="CleanGradients"/>) instead of recomputed; and positions before an example's first change are the same
/// in every copy, so they are carried once (<see cref="RowSharing"/>).
/// </summary>
public static class IntegratedGradients
{
    /// <param name="unchangedBranch">The cached value of the site's other branch when the site cannot change it
    /// (<see cref="SiteRunner.UnchangedBranchOf"/>), so its block does not recompute it; null to recompute.</param>
    /// <param name="cleanGradient">∂m/∂x at the site in the clean run, [B, S, d] (the k = 0 term); null to compute it
    /// with the other interpolants.</param>
    public static NodeAttribution Compute(Transformer model, IFeatureDictionary dictionary, SiteDelta delta, Tensor? blockInput,
        MetricFunction metric, MetricTargets targets, int steps, ForwardOptions? options = null, Tensor? unchangedBranch = null,
        Tensor? cleanGradient = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int firstStep = cleanGradient is null ? 0 : 1, copies = steps - firstStep;
        var (clean, patch) = EndValues(dictionary, delta);
        int length = delta.CleanError.Length;
        var sum = new double[length];
        if (cleanGradient is not null) AddTo(sum, cleanGradient.Read());
        if (copies > 0)
        {
            var value = Interpolants(clean, patch, steps, firstStep);
            var repeatedInput = blockInput is null ? null : SiteRunner.Repeat(blockInput, copies);
            var repeatedBranch = unchangedBranch is null ? null : SiteRunner.Repeat(unchangedBranch, copies);
            var sharing = SharingOf(clean, patch, copies);
            bool lastOnly = SiteRunner.ReadsLastPositionOnly(metric);
            Gradients grads;
            using (PhaseTimes.Measure("nodes: IG forward and backward"))
            using (var tape = Tape.Record())
            {
                value.RequireGrad();
                var residual = SiteRunner.ResidualFrom(model, delta.Site, value, repeatedInput, options, repeatedBranch, lastOnly, sharing);
                var total = Reductions.Sum(metric(model, residual, targets.Repeat(copies)));
                grads = tape.Backward(total);
            }
            // [1, copies·B, S, d], copy k at rows k·B..; a shared row's gradient (the copies' sum) is on copy 0's row.
            if (grads.Batched(value) is { } stacked)
                for (int k = 0; k < copies; k++) AddTo(sum, stacked.Span.Slice(k * length, length));
        }
        var meanError = Tensor.FromArray(sum.Select(v => (float)(v / steps)).ToArray(), delta.CleanError.ShapeArray);
        using var _ = PhaseTimes.Measure("nodes: feature gradients");
        var meanFeature = FeatureGradients(dictionary, delta.Support, meanError);
        return NodeAttribution.FromGradients(delta, meanFeature, meanError);
    }

    /// <summary>∂m/∂f_j = W_dec[j]·g per support entry, for g [B, S, d] the gradient at the site.</summary>
    public static float[] FeatureGradients(IFeatureDictionary dictionary, SparseCodes support, Tensor gradient)
    {
        var result = new float[support.NonZeros];
        var g = gradient.Span;
        int d = gradient.Columns;
        if (dictionary is IdentityDictionary)
        {
            for (int r = 0; r < support.Rows; r++)
            {
                var idx = support.IndicesOf(r);
                for (int e = 0; e < idx.Length; e++) result[support.RowStart[r] + e] = g[r * d + idx[e]];
            }
            return result;
        }
        SparseDecoding.FeatureGradientsAuto(support, dictionary.DecoderWeight, g, result);
        return result;
    }

    private static (Tensor Clean, Tensor Patch) EndValues(IFeatureDictionary dictionary, SiteDelta delta) =>
        (delta.CleanActivation ?? EndValue(dictionary, delta.Support, delta.CleanFeatures, delta.CleanError),
         delta.PatchActivation ?? EndValue(dictionary, delta.Support, delta.PatchFeatures, delta.PatchError));

    /// <summary>The site's value at interpolants k = firstStep..N−1, [(N − firstStep)·B, S, d]: copy k is
    /// x_c + α_k·(x_p − x_c) with x = dec(f) + ε at either end.</summary>
    private static Tensor Interpolants(Tensor clean, Tensor patch, int steps, int firstStep)
    {
        var xc = clean.Read();
        var xp = patch.Read();
        var shape = clean.ShapeArray;
        shape[0] *= steps - firstStep;
        var value = Tensor.Empty(shape);
        var vs = value.Span;
        int len = xc.Length;
        for (int k = firstStep; k < steps; k++)
        {
            float alpha = (float)k / steps;
            var copy = vs.Slice((k - firstStep) * len, len);
            for (int i = 0; i < len; i++) copy[i] = xc[i] + alpha * (xp[i] - xc[i]); // exactly x_c where nothing changed
        }
        return value;
    }

    /// <summary>
    /// The rows every copy shares: each example's positions before the first at which its clean and patch values
    /// differ (bit for bit), where every interpolant is x_c. Null when no position is shared.
    /// </summary>
    private static RowSharing? SharingOf(Tensor clean, Tensor patch, int copies)
    {
        if (copies < 2 || clean.Rank != 3) return null;
        int batch = clean.Dim(0), length = clean.Dim(1), d = clean.Dim(2);
        var xc = clean.Read();
        var xp = patch.Read();
        var prefix = new int[batch];
        for (int b = 0; b < batch; b++)
        {
            int p = 0;
            while (p < length && xc.Slice((b * length + p) * d, d).SequenceEqual(xp.Slice((b * length + p) * d, d))) p++;
            prefix[b] = p;
        }
        return prefix.Any(p => p > 0) ? RowSharing.SharedPrefixes(copies, batch, length, prefix) : null;
    }

    private static void AddTo(double[] sum, ReadOnlySpan<float> values)
    {
        for (int i = 0; i < sum.Length; i++) sum[i] += values[i];
    }

    /// <summary>dec(f) + ε for features on the support (for deltas made without their activations).</summary>
    private static Tensor EndValue(IFeatureDictionary dictionary, SparseCodes support, float[] features, Tensor error)
    {
        using var _ = Tape.NoGrad();
        var codes = new SparseCodes(support.Rows, support.Width, support.RowStart, support.Indices, features);
        var x = dictionary.DecodeSparse(codes).View(error.ShapeArray);
        TensorPrimitives.Add(x.Span, error.Read(), x.Span);
        return x;
    }
}
