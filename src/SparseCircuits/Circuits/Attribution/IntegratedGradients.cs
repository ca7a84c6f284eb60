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
/// </summary>
public static class IntegratedGradients
{
    /// <param name="unchangedBranch">The cached value of the site's other branch when the site cannot change it
    /// (<see cref="SiteRunner.UnchangedBranchOf"/>), so its block does not recompute it; null to recompute.</param>
    public static NodeAttribution Compute(Transformer model, IFeatureDictionary dictionary, SiteDelta delta, Tensor? blockInput,
        MetricFunction metric, MetricTargets targets, int steps, ForwardOptions? options = null, Tensor? unchangedBranch = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var value = Interpolants(dictionary, delta, steps);
        var repeatedInput = blockInput is null ? null : SiteRunner.Repeat(blockInput, steps);
        var repeatedBranch = unchangedBranch is null ? null : SiteRunner.Repeat(unchangedBranch, steps);
        bool lastOnly = SiteRunner.ReadsLastPositionOnly(metric);

        Gradients grads;
        using (PhaseTimes.Measure("nodes: IG forward and backward"))
        using (var tape = Tape.Record())
        {
            value.RequireGrad();
            var residual = SiteRunner.ResidualFrom(model, delta.Site, value, repeatedInput, options, repeatedBranch, lastOnly);
            var total = Reductions.Sum(metric(model, residual, targets.Repeat(steps)));
            grads = tape.Backward(total);
        }

        var stacked = grads.Batched(value);                        // [1, steps·B, S, d], copy k at rows k·B..
        var meanError = Tensor.FromArray(stacked is null ? new float[delta.CleanError.Length] : MeanOverCopies(stacked.Span, steps, delta.CleanError.Length),
            delta.CleanError.ShapeArray);
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

    /// <summary>The site's value at the N interpolants, [N·B, S, d]: copy k is x_c + α_k·(x_p − x_c) with x = dec(f) + ε
    /// at either end.</summary>
    private static Tensor Interpolants(IFeatureDictionary dictionary, SiteDelta delta, int steps)
    {
        var clean = delta.CleanActivation ?? EndValue(dictionary, delta.Support, delta.CleanFeatures, delta.CleanError);
        var patch = delta.PatchActivation ?? EndValue(dictionary, delta.Support, delta.PatchFeatures, delta.PatchError);
        var xc = clean.Span;
        var xp = patch.Span;
        var shape = delta.CleanError.ShapeArray;
        shape[0] *= steps;
        var value = Tensor.Empty(shape);
        var vs = value.Span;
        int len = xc.Length;
        for (int k = 0; k < steps; k++)
        {
            float alpha = (float)k / steps;
            var copy = vs.Slice(k * len, len);
            for (int i = 0; i < len; i++) copy[i] = xc[i] + alpha * (xp[i] - xc[i]); // exactly x_c where nothing changed
        }
        return value;
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

    private static float[] MeanOverCopies(ReadOnlySpan<float> stacked, int copies, int length)
    {
        var mean = new float[length];
        for (int i = 0; i < length; i++)
        {
            double sum = 0;
            for (int k = 0; k < copies; k++) sum += stacked[k * length + i];
            mean[i] = (float)(sum / copies);
        }
        return mean;
    }
}
