using System.Numerics.Tensors;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Edge effects of one edge type for one batch (algorithm §5.1–5.2). On the clean input, U's activation is a gradient
/// leaf (U spliced with its error held fixed: ∂x_U/∂u_j = W_dec^U[j], ∂x_U/∂ε_U = I), the block runs up to D with the
/// edge type's stop-gradients, and D's features d = enc(y_D) and error e_D = y_D − dec(enc(y_D)) are recomputed
/// differentiably from D's activation. Each active downstream node gives one seed (ḡ_{D,i} on d_i, or ḡ_{e_D} on e_D,
/// ḡ held constant) and all K seeds run in ONE batched backward pass. The gradient g read at U gives
/// E[down ← (q, j)] = (W_dec^U[j]·g[q])·Δf_j[q] and E[down ← (q, ε)] = ⟨g[q], Δε_U[q]⟩.
/// </summary>
public static class EdgeAttribution
{
    public static IReadOnlyList<DownstreamEdges> Compute(Transformer model, DictionarySet dictionaries, BatchActivations clean,
        EdgeType type, NodeAttribution upstream, NodeAttribution downstream, IReadOnlyList<ActiveNode> active, ForwardOptions? options = null)
    {
        if (active.Count == 0) return [];
        if (downstream.FeatureGradient is null || downstream.ErrorGradient is null)
            throw new InvalidOperationException($"Edges into {type.Downstream} need gradient-based node effects (not exact patching).");
        var gradAtUpstream = UpstreamGradients(model, dictionaries[type.Downstream], clean, type, downstream, active, options);
        return Contract(dictionaries[type.Upstream], upstream.Delta, active, gradAtUpstream);
    }

    /// <summary>The K vector-Jacobian products at U's activation, [K, B, S, d].</summary>
    public static Tensor UpstreamGradients(Transformer model, IFeatureDictionary downDictionary, BatchActivations clean, EdgeType type,
        NodeAttribution downstream, IReadOnlyList<ActiveNode> active, ForwardOptions? options = null)
    {
        var up = type.Upstream;
        var leaf = Tensor.Empty(clean.At(up).ShapeArray);
        clean.At(up).Span.CopyTo(leaf.Span);
        using var tape = Tape.Record();
        leaf.RequireGrad();
        Tensor? downValue = null;
        var hooks = new ForwardHooks().Read(type.Downstream.Name, y => downValue = y);
        bool inBlock = up.Kind is SiteKind.Attn or SiteKind.Mlp;
        if (inBlock)
        {
            if (up.Layer != type.Layer) throw new ArgumentException($"Edge {type.Key} does not stay inside one block.");
            hooks.Replace(up.Name, _ => leaf);
        }
        else if (!(up.Kind == SiteKind.Embed && type.Layer == 0 || up.Kind == SiteKind.Resid && up.Layer == type.Layer - 1))
        {
            throw new ArgumentException($"Edge {type.Key} does not join adjacent sites.");
        }
        model.Block(type.Layer, inBlock ? clean.BlockInput(type.Layer) : leaf, hooks, options);
        var y = downValue ?? throw new InvalidOperationException($"Site {type.Downstream} was not reached running block {type.Layer}.");

        var features = downDictionary.Encode(y);                  // [B, S, F]
        var (featureSeeds, errorSeeds) = Seeds(downstream, active, features.ShapeArray, y.ShapeArray);
        var outputs = new List<Tensor> { features };
        var seeds = new List<Tensor> { featureSeeds };
        if (errorSeeds is not null)
        {
            outputs.Add(Elementwise.Sub(y, downDictionary.Decode(features)));
            seeds.Add(errorSeeds);
        }
        var hooksBack = new GradHooks().Stop(type.Stops.Select(s => s.Name));
        var grads = tape.Backward(outputs.ToArray(), seeds.ToArray(), hooksBack);
        return grads.Batched(leaf) ?? Tensor.Zeros(Shapes.Prepend(active.Count, leaf.Shape));
    }

    /// <summary>Seed k is ḡ_{D,i}[b, p] on d_i[b, p] (feature node) or ḡ_{e_D}[b, p, :] on e_D[b, p, :] (error node).</summary>
    private static (Tensor Features, Tensor? Error) Seeds(NodeAttribution downstream, IReadOnlyList<ActiveNode> active, int[] featureShape, int[] errorShape)
    {
        int k = active.Count, s = downstream.Delta.Length, f = downstream.FeatureCount, d = errorShape[^1];
        var featureSeeds = Tensor.Zeros(Shapes.Prepend(k, featureShape));
        bool anyError = active.Any(n => n.Index == f);
        var errorSeeds = anyError ? Tensor.Zeros(Shapes.Prepend(k, errorShape)) : null;
        int perSeedF = featureSeeds.Length / k;
        var support = downstream.Delta.Support;
        var fs = featureSeeds.Span;
        for (int n = 0; n < k; n++)
        {
            var node = active[n];
            int row = node.Example * s + node.Position;
            if (node.Index == f)
            {
                var gErr = downstream.ErrorGradient!.Span.Slice(row * d, d);
                gErr.CopyTo(errorSeeds!.Span.Slice(n * (errorSeeds.Length / k) + row * d, d));
                continue;
            }
            int at = support.IndicesOf(row).IndexOf(node.Index);
            if (at < 0) continue; // outside the support Δf = 0, so the node cannot be active; nothing to seed
            fs[n * perSeedF + row * f + node.Index] = downstream.FeatureGradient![support.RowStart[row] + at];
        }
        return (featureSeeds, errorSeeds);
    }

    /// <summary>Multiplies the gradient at U by U's patch − clean change, per upstream feature and error node.</summary>
    private static IReadOnlyList<DownstreamEdges> Contract(IFeatureDictionary upDictionary, SiteDelta delta, IReadOnlyList<ActiveNode> active, Tensor gradAtUpstream)
    {
        int s = delta.Length, f = delta.FeatureCount, d = upDictionary.OutputDim, batchRows = delta.Batch * s;
        var support = delta.Support;
        var df = delta.FeatureDelta();
        var dErr = delta.ErrorDelta().Span;
        var w = upDictionary.DecoderWeight.Span;
        bool identity = upDictionary is IdentityDictionary;
        var g = gradAtUpstream.Span;
        var result = new List<DownstreamEdges>(active.Count);
        for (int n = 0; n < active.Count; n++)
        {
            var node = active[n];
            var block = new float[s * (f + 1)];
            for (int q = 0; q < s; q++)
            {
                int row = node.Example * s + q;
                var gRow = g.Slice((n * batchRows + row) * d, d);
                var idx = support.IndicesOf(row);
                int start = support.RowStart[row];
                for (int e = 0; e < idx.Length; e++)
                {
                    float grad = identity ? gRow[idx[e]] : TensorPrimitives.Dot(w.Slice(idx[e] * d, d), gRow);
                    block[q * (f + 1) + idx[e]] = grad * df[start + e];
                }
                double err = 0;
                for (int c = 0; c < d; c++) err += (double)gRow[c] * dErr[row * d + c];
                block[q * (f + 1) + f] = (float)err;
            }
            result.Add(new DownstreamEdges(node.Example, node.Position, node.Index, block));
        }
        return result;
    }
}
