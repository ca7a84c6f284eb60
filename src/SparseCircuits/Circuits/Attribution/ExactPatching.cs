using System.Numerics.Tensors;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Attribution;

/// <summary>
/// Exact patching (algorithm §3.3), for validating the approximations: for every (example, position, feature) with
/// Δf ≠ 0 the site output becomes dec(f_c with that one entry patched) + ε_c, which (decoding being affine) is the clean
/// activation plus Δf_i·W_dec[i]; for every (example, position) the whole error vector is swapped, adding Δε. The effect
/// is m(patched) − m(clean). Each patched unit is one sequence; chunks of them run together from the site upward.
/// </summary>
public static class ExactPatching
{
    public static NodeAttribution Compute(Transformer model, IFeatureDictionary dictionary, SiteDelta delta, Tensor clean,
        Tensor? blockInput, MetricFunction metric, MetricTargets targets, float[] cleanMetric, int chunk = 256, ForwardOptions? options = null)
    {
        int s = delta.Length, f = delta.FeatureCount, d = clean.Dim(-1);
        var effects = Tensor.Zeros(delta.Batch, s, f + 1);
        var df = delta.FeatureDelta();
        var dErr = delta.ErrorDelta();
        var units = new List<(int Example, int Position, int Index, int Entry)>();
        for (int r = 0; r < delta.Batch * s; r++)
        {
            var idx = delta.Support.IndicesOf(r);
            int start = delta.Support.RowStart[r];
            for (int j = 0; j < idx.Length; j++)
                if (df[start + j] != 0) units.Add((r / s, r % s, idx[j], start + j));
            units.Add((r / s, r % s, f, -1));
        }
        var weights = dictionary.DecoderWeight.Span;
        using var _ = Tape.NoGrad();
        for (int first = 0; first < units.Count; first += chunk)
        {
            var part = units.Skip(first).Take(chunk).ToArray();
            var examples = part.Select(u => u.Example).ToArray();
            var value = Tensor.Empty(part.Length, s, d);
            var vs = value.Span;
            for (int u = 0; u < part.Length; u++)
            {
                var (b, p, _, entry) = part[u];
                clean.Span.Slice(b * s * d, s * d).CopyTo(vs.Slice(u * s * d, s * d));
                var row = vs.Slice((u * s + p) * d, d);
                if (entry < 0) TensorPrimitives.Add(row, dErr.Span.Slice((b * s + p) * d, d), row);
                else TensorPrimitives.MultiplyAdd(weights.Slice(part[u].Index * d, d), df[entry], row, row);
            }
            var input = blockInput is null ? null : Rows(blockInput, examples);
            var residual = SiteRunner.ResidualFrom(model, delta.Site, value, input, options);
            var m = metric(model, residual, targets.Rows(examples)).Span;
            var e = effects.Span;
            for (int u = 0; u < part.Length; u++)
            {
                var (b, p, i, _) = part[u];
                e[(b * s + p) * (f + 1) + i] = m[u] - cleanMetric[b];
            }
        }
        return new NodeAttribution(delta, null, null, effects);
    }

    private static Tensor Rows(Tensor x, int[] rows)
    {
        var shape = x.ShapeArray;
        int inner = x.Length / shape[0];
        shape[0] = rows.Length;
        var y = Tensor.Empty(shape);
        for (int i = 0; i < rows.Length; i++) x.Span.Slice(rows[i] * inner, inner).CopyTo(y.Span.Slice(i * inner, inner));
        return y;
    }
}
