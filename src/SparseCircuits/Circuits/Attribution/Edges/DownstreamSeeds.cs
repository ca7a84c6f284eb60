using System.Numerics.Tensors;
using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// The seed of each active downstream node as a vector at D's activation y (algorithm §5.1): the gradient, with respect
/// to y at the node's own row, of the quantity the node's edges are taken of. A feature node i contributes ḡ_i·d_i
/// with d = enc(y), whose gradient is ḡ_i·∂f_i/∂y = ḡ_i·slope_i·W_enc[i] when f_i is active in the clean run (and zero
/// otherwise); an error node contributes ⟨ḡ_e, e⟩ with e = y − dec(enc(y)), whose gradient is
/// ḡ_e − Σ_j slope_j (W_dec[j]·ḡ_e) W_enc[j] over the row's active features j. This is what backpropagating K seeds
/// through a dense encode/decode of [B, S, F] gives, computed from the active features only (DESIGN §7).
/// </summary>
public static class DownstreamSeeds
{
    /// <summary>
    /// The seeds [K, d] (row n belongs to <paramref name="active"/>[n], at row example·S + position of D), or null when
    /// the dictionary is of a kind whose encoder Jacobian is not known here (the caller then differentiates densely).
    /// </summary>
    public static float[]? Compute(IFeatureDictionary dictionary, NodeAttribution downstream, IReadOnlyList<ActiveNode> active)
    {
        if (downstream.FeatureGradient is null || downstream.ErrorGradient is null)
            throw new InvalidOperationException($"Edges into {downstream.Site} need gradient-based node effects (not exact patching).");
        return dictionary switch
        {
            IdentityDictionary => Identity(downstream, active),
            SparseAutoencoder sae when !sae.Info.IsTranscoder && sae.Weights.SkipWeight is null => Sparse(sae, downstream, active),
            _ => null,
        };
    }

    /// <summary>Neurons: f = y, so a feature seed is ḡ_i on coordinate i; the error is identically zero.</summary>
    private static float[] Identity(NodeAttribution downstream, IReadOnlyList<ActiveNode> active)
    {
        var delta = downstream.Delta;
        int s = delta.Length, d = delta.FeatureCount;
        var seeds = new float[active.Count * d];
        for (int n = 0; n < active.Count; n++)
        {
            var node = active[n];
            if (node.Index == d) continue;
            int row = node.Example * s + node.Position;
            int at = delta.Support.IndicesOf(row).BinarySearch(node.Index);
            if (at >= 0) seeds[n * d + node.Index] = downstream.FeatureGradient![delta.Support.RowStart[row] + at];
        }
        return seeds;
    }

    private static float[] Sparse(SparseAutoencoder sae, NodeAttribution downstream, IReadOnlyList<ActiveNode> active)
    {
        var delta = downstream.Delta;
        var support = delta.Support;
        int s = delta.Length, f = delta.FeatureCount, d = sae.InputDim, k = active.Count;
        var clean = delta.CleanFeatures; // per support entry; nonzero exactly where the feature is active in the clean run
        var gError = downstream.ErrorGradient!.Span;

        // u_j = W_dec[j]·ḡ_e over the active features of every error node's row, in one product.
        var errorNodes = Enumerable.Range(0, k).Where(n => active[n].Index == f).ToArray();
        var errorRows = errorNodes.Select(n => active[n].Example * s + active[n].Position).ToArray();
        var activeInErrorRows = ActiveEntries(support, clean, errorRows);
        var errorGradients = new float[errorRows.Length * d];
        for (int t = 0; t < errorRows.Length; t++) gError.Slice(errorRows[t] * d, d).CopyTo(errorGradients.AsSpan(t * d, d));
        var u = new float[activeInErrorRows.NonZeros];
        if (u.Length > 0) SparseDecoding.FeatureGradientsAuto(activeInErrorRows, sae.DecoderWeight, errorGradients, u);

        // Every seed as a combination of encoder rows, all in one pass over the encoder: a feature node's single row
        // (ḡ_i·slope_i·W_enc[i]), an error node's row's active features (Σ_j −slope_j·u_j·W_enc[j], then + ḡ_e).
        var rowStart = new int[k + 1];
        var indices = new List<int>(k + u.Length);
        var values = new List<float>(k + u.Length);
        int errorIndex = 0;
        for (int n = 0; n < k; n++)
        {
            var node = active[n];
            int row = node.Example * s + node.Position;
            if (node.Index == f)
            {
                var idx = activeInErrorRows.IndicesOf(errorIndex);
                int at = activeInErrorRows.RowStart[errorIndex++];
                for (int e = 0; e < idx.Length; e++)
                {
                    indices.Add(idx[e]);
                    values.Add(-sae.ActiveSlope(idx[e]) * u[at + e]);
                }
            }
            else
            {
                int at = support.IndicesOf(row).BinarySearch(node.Index);
                int entry = at >= 0 ? support.RowStart[row] + at : -1;
                if (entry >= 0 && clean[entry] != 0) // inactive in the clean run: zero derivative, no edges
                {
                    indices.Add(node.Index);
                    values.Add(downstream.FeatureGradient![entry] * sae.ActiveSlope(node.Index));
                }
            }
            rowStart[n + 1] = indices.Count;
        }
        var seeds = Tensor.Zeros(k, d);
        SparseDecoding.AddRowsAuto(new SparseCodes(k, f, rowStart, indices.ToArray(), values.ToArray()), sae.EncoderRows, seeds);
        var result = seeds.Span;
        for (int t = 0; t < errorNodes.Length; t++)
            TensorPrimitives.Add(result.Slice(errorNodes[t] * d, d), errorGradients.AsSpan(t * d, d), result.Slice(errorNodes[t] * d, d));
        return seeds.ToArray();
    }

    /// <summary>The clean-active support entries of the given rows, one output row per listed row (values unused).</summary>
    private static SparseCodes ActiveEntries(SparseCodes support, float[] clean, int[] rows)
    {
        var rowStart = new int[rows.Length + 1];
        var indices = new List<int>();
        for (int t = 0; t < rows.Length; t++)
        {
            var idx = support.IndicesOf(rows[t]);
            int start = support.RowStart[rows[t]];
            for (int e = 0; e < idx.Length; e++)
                if (clean[start + e] != 0) indices.Add(idx[e]);
            rowStart[t + 1] = indices.Count;
        }
        return new SparseCodes(rows.Length, support.Width, rowStart, indices.ToArray(), new float[indices.Count]);
    }
}
