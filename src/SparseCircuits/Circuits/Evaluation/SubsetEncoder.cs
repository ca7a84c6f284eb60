using System.Buffers;
using System.Numerics.Tensors;
using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Encodes only some features of some rows, for dictionaries whose activation acts on each feature alone (ReLU,
/// JumpReLU, gated, identity): f_j depends on the pre-activation j only, so the encoder product shrinks to the
/// listed features' columns. TopK (where a feature's value depends on all the others) and unknown dictionary types
/// are not supported; callers encode those fully.
/// </summary>
internal static class SubsetEncoder
{
    public static bool Supports(IFeatureDictionary dictionary) => !dictionary.Info.IsTranscoder && dictionary switch
    {
        ReluSae or JumpReluSae or GatedSae => true,
        IdentityDictionary => true,
        _ => false,
    };

    /// <summary>f at <paramref name="features"/> (ascending) of <paramref name="n"/> rows x [n, d_in]; inactive
    /// entries are left out, so the result is exact on the listed features and zero elsewhere.</summary>
    public static SparseCodes Encode(IFeatureDictionary dictionary, ReadOnlySpan<float> x, int n, int[] features)
    {
        int m = features.Length, width = dictionary.Width;
        var pre = ArrayPool<float>.Shared.Rent(Math.Max(1, n * m));
        try
        {
            if (dictionary is SparseAutoencoder sae) PreActivations(sae, x, n, features, pre);
            else
            {
                int d = dictionary.InputDim;
                for (int r = 0; r < n; r++)
                    for (int k = 0; k < m; k++) pre[r * m + k] = x[r * d + features[k]];
            }
            var start = new int[n + 1];
            var indices = new List<int>();
            var values = new List<float>();
            for (int r = 0; r < n; r++)
            {
                for (int k = 0; k < m; k++)
                {
                    float v = Activate(dictionary, features[k], pre[r * m + k]);
                    if (v == 0f) continue;
                    indices.Add(features[k]);
                    values.Add(v);
                }
                start[r + 1] = indices.Count;
            }
            return new SparseCodes(n, width, start, indices.ToArray(), values.ToArray());
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pre);
        }
    }

    /// <summary>pre[r, k] = (x_r − c)·W_enc[:, features[k]] (+ b_enc[features[k]]), through one GEMM over the
    /// gathered encoder columns.</summary>
    private static void PreActivations(SparseAutoencoder sae, ReadOnlySpan<float> x, int n, int[] features, float[] pre)
    {
        var w = sae.Weights;
        int d = w.InputDim, f = w.Width, m = features.Length;
        var columns = ArrayPool<float>.Shared.Rent(m * d);
        var centred = ArrayPool<float>.Shared.Rent(n * d);
        try
        {
            var enc = w.EncoderWeight.Span;
            for (int k = 0; k < m; k++)
            {
                var column = columns.AsSpan(k * d, d);
                int j = features[k];
                if (w.EncoderIsInOut)
                    for (int i = 0; i < d; i++) column[i] = enc[i * f + j];
                else enc.Slice(j * d, d).CopyTo(column);
            }
            var input = centred.AsSpan(0, n * d);
            x[..(n * d)].CopyTo(input);
            if (w.InputCentering is { } c)
                for (int r = 0; r < n; r++) TensorPrimitives.Subtract(input.Slice(r * d, d), c.Span, input.Slice(r * d, d));
            var output = pre.AsSpan(0, n * m);
            float beta = 0f;
            if (w.EncoderBias is { } bias)
            {
                var b = bias.Span;
                for (int r = 0; r < n; r++)
                    for (int k = 0; k < m; k++) output[r * m + k] = b[features[k]];
                beta = 1f;
            }
            Gemm.Sgemm(false, true, n, m, d, 1f, input, columns.AsSpan(0, m * d), beta, output);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(columns);
            ArrayPool<float>.Shared.Return(centred);
        }
    }

    /// <summary>Feature j's activation of its pre-activation, as each dictionary type defines it.</summary>
    private static float Activate(IFeatureDictionary dictionary, int j, float pre) => dictionary switch
    {
        ReluSae => pre > 0f ? pre : 0f,
        JumpReluSae jump => pre > jump.Threshold.Span[j] && pre > 0f ? pre : 0f,
        GatedSae gated => Gated(gated, j, pre),
        _ => pre, // identity: the coordinate itself
    };

    private static float Gated(GatedSae sae, int j, float p)
    {
        if (!(p + sae.GateBias.Span[j] > 0f)) return 0f;
        float magnitude = p * MathF.Exp(sae.MagnitudeLogScale.Span[j]) + sae.MagnitudeBias.Span[j];
        return magnitude > 0f ? magnitude : 0f;
    }
}
