using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Splicing;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Integrated-gradients node effects at one site (algorithm §3.2), the other sites unspliced. The N interpolants
/// f_k = f_c + α_k Δf, ε_k = ε_c + α_k Δε with α_k = k/N, k = 0..N−1 (left Riemann sum) run as one batch of N·B
/// sequences from the site upward (layers below are cached); the metric is summed over all copies and one backward
/// pass gives ∂m/∂f_k (support entries only) and ∂m/∂ε_k, averaged over k.
/// </summary>
public static class IntegratedGradients
{
    public static NodeAttribution Compute(Transformer model, IFeatureDictionary dictionary, SiteDelta delta, Tensor? blockInput,
        MetricFunction metric, MetricTargets targets, int steps, ForwardOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var support = delta.Support;
        int nnz = support.NonZeros;
        var (features, error) = Interpolants(delta, steps);
        var handles = new SpliceHandles(TrackedFeatures.Active);
        var repeatedInput = blockInput is null ? null : SiteRunner.Repeat(blockInput, steps);

        Gradients grads;
        using (var tape = Tape.Record())
        {
            var value = Splice.Substitute(dictionary, features, error, handles);
            var residual = SiteRunner.ResidualFrom(model, delta.Site, value, repeatedInput, options);
            var total = Reductions.Sum(metric(model, residual, targets.Repeat(steps)));
            grads = tape.Backward(total);
        }

        var featureGrads = handles.FeatureGradients(grads).Span; // [1, steps·nnz], copy k at k·nnz
        var errorGrads = handles.ErrorGradient(grads).Span;       // [1, steps·B, S, d]
        var meanFeature = MeanOverCopies(featureGrads, steps, nnz);
        var meanError = Tensor.FromArray(MeanOverCopies(errorGrads, steps, delta.CleanError.Length), delta.CleanError.ShapeArray);
        return NodeAttribution.FromGradients(delta, meanFeature, meanError);
    }

    /// <summary>The N·B·S rows of interpolated features (on the support, explicit zeros kept) and errors [N·B, S, d].</summary>
    private static (SparseCodes Features, Tensor Error) Interpolants(SiteDelta delta, int steps)
    {
        var support = delta.Support;
        int rows = support.Rows, nnz = support.NonZeros;
        var rowStart = new int[steps * rows + 1];
        var indices = new int[steps * nnz];
        var values = new float[steps * nnz];
        var fc = delta.CleanFeatures;
        var fp = delta.PatchFeatures;
        var ec = delta.CleanError.Span;
        var ep = delta.PatchError.Span;
        var errorShape = delta.CleanError.ShapeArray;
        errorShape[0] *= steps;
        var error = Tensor.Empty(errorShape);
        var es = error.Span;
        int len = ec.Length;
        for (int k = 0; k < steps; k++)
        {
            float alpha = (float)k / steps;
            for (int r = 0; r < rows; r++) rowStart[k * rows + r + 1] = k * nnz + support.RowStart[r + 1];
            support.Indices.CopyTo(indices, k * nnz);
            for (int e = 0; e < nnz; e++) values[k * nnz + e] = (1 - alpha) * fc[e] + alpha * fp[e];
            for (int i = 0; i < len; i++) es[k * len + i] = (1 - alpha) * ec[i] + alpha * ep[i];
        }
        return (new SparseCodes(steps * rows, support.Width, rowStart, indices, values), error);
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
