using SparseCircuits.Diagnostics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Attribution.Edges;

/// <summary>
/// Edge effects of one edge type for one batch (algorithm §5.1–5.2). On the clean input, U's activation is a gradient
/// leaf (U spliced with its error held fixed: ∂x_U/∂u_j = W_dec^U[j], ∂x_U/∂ε_U = I) and the block runs up to D with
/// the edge type's stop-gradients. Each active downstream node gives one seed at D's activation
/// (<see cref="DownstreamSeeds"/>: ḡ_{D,i} on d_i = enc(y_D)_i, or ḡ_{e_D} on e_D = y_D − dec(enc(y_D)), ḡ held
/// constant), and the seeds of one example run together in one batched backward pass over that example's block only
/// (in chunks of <see cref="SeedsPerPass"/>). The gradient g read at U gives
/// E[down ← (q, j)] = (W_dec^U[j]·g[q])·Δf_j[q] and E[down ← (q, ε)] = ⟨g[q], Δε_U[q]⟩ (<see cref="EdgeContraction"/>).
/// </summary>
public static class EdgeAttribution
{
    /// <summary>Most seeds in one backward pass: bounds the [K, S, d_mlp] gradient buffers (512 × 6 × 2048 floats = 25 MB
    /// for Pythia-70m) however many nodes are active.</summary>
    public const int SeedsPerPass = 512;

    public static IReadOnlyList<DownstreamEdges> Compute(Transformer model, DictionarySet dictionaries, BatchActivations clean,
        EdgeType type, NodeAttribution upstream, NodeAttribution downstream, IReadOnlyList<ActiveNode> active, ForwardOptions? options = null) =>
        Compute(model, dictionaries[type.Upstream], dictionaries[type.Downstream], clean, type, upstream, downstream, active,
            DownstreamSeeds.Compute(dictionaries[type.Downstream], downstream, active), options);

    /// <summary>As above with the downstream seeds already made (<see cref="DownstreamSeeds.Compute"/>; null to
    /// differentiate through a dense encoding instead), so edge types that share D share them. The result is in the
    /// order of <paramref name="active"/>.</summary>
    public static IReadOnlyList<DownstreamEdges> Compute(Transformer model, IFeatureDictionary upDictionary, IFeatureDictionary downDictionary,
        BatchActivations clean, EdgeType type, NodeAttribution upstream, NodeAttribution downstream, IReadOnlyList<ActiveNode> active,
        float[]? seeds, ForwardOptions? options = null)
    {
        if (active.Count == 0) return [];
        var contraction = new EdgeContraction(upDictionary, upstream.Delta);
        var order = AddGradients(model, downDictionary, clean, type, downstream, active, seeds, contraction, 0, options);
        var edges = contraction.Contract();
        var result = new DownstreamEdges[active.Count];
        for (int i = 0; i < order.Count; i++) result[order[i]] = edges[i].Edges;
        return result;
    }

    /// <summary>
    /// Computes the gradients at U of the <paramref name="active"/> downstream nodes (one example's block at a time, its
    /// seeds batched) and adds them to <paramref name="contraction"/> with <paramref name="tag"/>; returns the positions
    /// in <paramref name="active"/> in the order the nodes were added.
    /// </summary>
    public static IReadOnlyList<int> AddGradients(Transformer model, IFeatureDictionary downDictionary, BatchActivations clean, EdgeType type,
        NodeAttribution downstream, IReadOnlyList<ActiveNode> active, float[]? seeds, EdgeContraction contraction, int tag, ForwardOptions? options = null)
    {
        var order = new List<int>(active.Count);
        if (active.Count == 0) return order;
        var leafShape = clean.At(type.Upstream).ShapeArray;
        int s = leafShape[1], d = leafShape[2], batchRows = leafShape[0] * s;
        if (seeds is null)
        {
            var dense = DenseUpstreamGradients(model, downDictionary, clean, type, downstream, active, options).Span; // [K, B, S, d]
            for (int n = 0; n < active.Count; n++)
            {
                contraction.Add(tag, active[n].Example, [active[n]], dense.Slice((n * batchRows + active[n].Example * s) * d, s * d));
                order.Add(n);
            }
            return order;
        }
        foreach (var (example, nodes) in ByExample(active))
        {
            for (int first = 0; first < nodes.Length; first += SeedsPerPass)
            {
                var part = nodes[first..Math.Min(nodes.Length, first + SeedsPerPass)];
                var partNodes = part.Select(n => active[n]).ToArray();
                Tensor? g;
                using (PhaseTimes.Measure("edges: block VJPs"))
                    g = ExampleGradients(model, clean, type, example, partNodes, part.Select(n => (ReadOnlyMemory<float>)seeds.AsMemory(n * d, d)).ToArray(), options);
                contraction.Add(tag, example, partNodes, g is null ? new float[part.Length * s * d] : g.Span);
                order.AddRange(part);
            }
        }
        return order;
    }

    /// <summary>The K vector-Jacobian products at U's activation, [K, B, S, d] (zero outside each node's example).</summary>
    public static Tensor UpstreamGradients(Transformer model, IFeatureDictionary downDictionary, BatchActivations clean, EdgeType type,
        NodeAttribution downstream, IReadOnlyList<ActiveNode> active, ForwardOptions? options = null)
    {
        var seeds = DownstreamSeeds.Compute(downDictionary, downstream, active);
        if (seeds is null) return DenseUpstreamGradients(model, downDictionary, clean, type, downstream, active, options);
        var leafShape = clean.At(type.Upstream).ShapeArray;
        int s = leafShape[1], d = leafShape[2], batchRows = leafShape[0] * s;
        var result = Tensor.Zeros(Shapes.Prepend(active.Count, leafShape));
        foreach (var (example, nodes) in ByExample(active))
        {
            var g = ExampleGradients(model, clean, type, example, nodes.Select(n => active[n]).ToArray(), nodes.Select(n => (ReadOnlyMemory<float>)seeds.AsMemory(n * d, d)).ToArray(), options);
            if (g is null) continue;
            for (int i = 0; i < nodes.Length; i++)
                g.Span.Slice(i * s * d, s * d).CopyTo(result.Span.Slice((nodes[i] * batchRows + example * s) * d, s * d));
        }
        return result;
    }

    /// <summary>
    /// One example's block (the layer of <paramref name="type"/>) run from the cached clean activations with U as the
    /// leaf, and one batched backward pass from the seeds at D: node n's seed sits at its position's row. Returns the
    /// gradients at U, [nodes, S, d], or null when no gradient reaches U.
    /// </summary>
    private static Tensor? ExampleGradients(Transformer model, BatchActivations clean, EdgeType type, int example,
        ActiveNode[] nodes, ReadOnlyMemory<float>[] seeds, ForwardOptions? options)
    {
        var up = type.Upstream;
        bool inBlock = CheckAdjacent(type);
        if (type.IsSkipPath) return SkipPathGradients(clean.At(up), nodes, seeds);
        var leaf = Row(clean.At(up), example);
        using var tape = Tape.Record();
        leaf.RequireGrad();
        Tensor? downValue = null;
        var hooks = new ForwardHooks().Read(type.Downstream.Name, y => downValue = y);
        if (inBlock) hooks.Replace(up.Name, _ => leaf);
        model.Block(type.Layer, inBlock ? Row(clean.BlockInput(type.Layer), example) : leaf, hooks, options);
        var y = downValue ?? throw new InvalidOperationException($"Site {type.Downstream} was not reached running block {type.Layer}.");
        int s = y.Dim(1), d = y.Dim(2);
        var seedTensor = Tensor.Zeros(nodes.Length, 1, s, d);
        for (int n = 0; n < nodes.Length; n++) seeds[n].Span.CopyTo(seedTensor.Span.Slice((n * s + nodes[n].Position) * d, d));
        var grads = tape.Backward([y], [seedTensor], new GradHooks().Stop(type.Stops.Select(x => x.Name)));
        return grads.Batched(leaf)?.View(nodes.Length, s, d);
    }

    /// <summary>Along the skip connection alone the Jacobian is the identity: each node's gradient at U is its seed, at
    /// its own row.</summary>
    private static Tensor SkipPathGradients(Tensor upActivation, ActiveNode[] nodes, ReadOnlyMemory<float>[] seeds)
    {
        int s = upActivation.Dim(1), d = upActivation.Dim(2);
        var g = Tensor.Zeros(nodes.Length, s, d);
        for (int n = 0; n < nodes.Length; n++) seeds[n].Span.CopyTo(g.Span.Slice((n * s + nodes[n].Position) * d, d));
        return g;
    }

    /// <summary>
    /// The reference formulation, for dictionaries whose encoder Jacobian <see cref="DownstreamSeeds"/> does not know:
    /// D's features d = enc(y_D) and error recomputed densely and differentiably over the whole batch, all K seeds in one
    /// backward pass. Returns [K, B, S, d].
    /// </summary>
    private static Tensor DenseUpstreamGradients(Transformer model, IFeatureDictionary downDictionary, BatchActivations clean, EdgeType type,
        NodeAttribution downstream, IReadOnlyList<ActiveNode> active, ForwardOptions? options)
    {
        var up = type.Upstream;
        bool inBlock = CheckAdjacent(type);
        var leaf = clean.At(up).Clone();
        using var tape = Tape.Record();
        leaf.RequireGrad();
        Tensor? downValue = null;
        var hooks = new ForwardHooks().Read(type.Downstream.Name, y => downValue = y);
        if (inBlock) hooks.Replace(up.Name, _ => leaf);
        model.Block(type.Layer, inBlock ? clean.BlockInput(type.Layer) : leaf, hooks, options);
        var y = downValue ?? throw new InvalidOperationException($"Site {type.Downstream} was not reached running block {type.Layer}.");

        var features = downDictionary.Encode(y);                  // [B, S, F]
        var (featureSeeds, errorSeeds) = DenseSeeds(downstream, active, features.ShapeArray, y.ShapeArray);
        var outputs = new List<Tensor> { features };
        var seeds = new List<Tensor> { featureSeeds };
        if (errorSeeds is not null)
        {
            outputs.Add(Elementwise.Sub(y, downDictionary.Decode(features)));
            seeds.Add(errorSeeds);
        }
        var grads = tape.Backward(outputs.ToArray(), seeds.ToArray(), new GradHooks().Stop(type.Stops.Select(s => s.Name)));
        return grads.Batched(leaf) ?? Tensor.Zeros(Shapes.Prepend(active.Count, leaf.Shape));
    }

    /// <summary>Seed k is ḡ_{D,i}[b, p] on d_i[b, p] (feature node) or ḡ_{e_D}[b, p, :] on e_D[b, p, :] (error node).</summary>
    private static (Tensor Features, Tensor? Error) DenseSeeds(NodeAttribution downstream, IReadOnlyList<ActiveNode> active, int[] featureShape, int[] errorShape)
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

    /// <summary>True when U is inside the block (attn/mlp of the downstream layer); throws unless U and D are adjacent.</summary>
    private static bool CheckAdjacent(EdgeType type)
    {
        var up = type.Upstream;
        if (up.Kind is SiteKind.Attn or SiteKind.Mlp)
        {
            if (up.Layer != type.Layer) throw new ArgumentException($"Edge {type.Key} does not stay inside one block.");
            return true;
        }
        if (!(up.Kind == SiteKind.Embed && type.Layer == 0 || up.Kind == SiteKind.Resid && up.Layer == type.Layer - 1))
            throw new ArgumentException($"Edge {type.Key} does not join adjacent sites.");
        return false;
    }

    /// <summary>Node positions in <paramref name="active"/> grouped by example.</summary>
    private static IEnumerable<(int Example, int[] Nodes)> ByExample(IReadOnlyList<ActiveNode> active) =>
        Enumerable.Range(0, active.Count).GroupBy(n => active[n].Example).Select(g => (g.Key, g.ToArray()));

    /// <summary>Example <paramref name="example"/> of a [B, S, d] tensor as a [1, S, d] copy.</summary>
    private static Tensor Row(Tensor x, int example)
    {
        int inner = x.Length / x.Dim(0);
        var shape = x.ShapeArray;
        shape[0] = 1;
        return Tensor.FromSpan(x.Span.Slice(example * inner, inner), shape);
    }
}
