namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// Records differentiable operations in forward order while it is the current tape, so that reverse order is a valid
/// topological order for the backward pass. Only operations with at least one input that requires a gradient are
/// recorded; under <see cref="NoGrad"/> (or with no tape) nothing is. A tape may be walked backward any number of
/// times (the graph is retained), each time with its own seeds and gradient hooks.
/// </summary>
public sealed class Tape : IDisposable
{
    [ThreadStatic] private static Tape? current;
    [ThreadStatic] private static bool noGrad;

    private readonly List<Node> nodes = new();
    private readonly Tape? previous;
    private readonly bool previousNoGrad;
    private bool disposed;

    private Tape()
    {
        previous = current;
        previousNoGrad = noGrad;
        current = this;
        noGrad = false;
    }

    /// <summary>Starts recording on this thread until the returned tape is disposed.</summary>
    public static Tape Record() => new();

    /// <summary>The tape operations are recorded on now, or null when not recording.</summary>
    public static Tape? Current => noGrad ? null : current;

    /// <summary>True when an operation with these inputs should be recorded.</summary>
    public static bool ShouldRecord(Tensor a) => !noGrad && current is not null && a.RequiresGrad;

    public static bool ShouldRecord(Tensor a, Tensor b) => !noGrad && current is not null && (a.RequiresGrad || b.RequiresGrad);

    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (noGrad || current is null) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Suspends recording (inference: no graph, no saved tensors) until disposed.</summary>
    public static IDisposable NoGrad() => new NoGradScope();

    public int NodeCount => nodes.Count;

    /// <summary>
    /// Records an operation: <paramref name="output"/> was computed from <paramref name="inputs"/>, and
    /// <paramref name="backward"/> adds the vector-Jacobian products for the inputs that need them. This is the
    /// extension point for custom operations (e.g. splicing a dictionary into a model).
    /// </summary>
    public static Tensor Attach(Tensor output, Tensor[] inputs, BackwardFunction backward, string? name = null)
    {
        var tape = Current ?? throw new InvalidOperationException("No tape is recording.");
        var node = new Node(output, inputs, backward, name, tape.nodes.Count);
        tape.nodes.Add(node);
        output.Producer = node;
        output.RequiresGrad = true;
        return output;
    }

    /// <summary>Backward from a scalar output (seed 1).</summary>
    public Gradients Backward(Tensor scalarOutput, GradHooks? hooks = null)
    {
        if (scalarOutput.Length != 1)
            throw new ArgumentException($"Backward without a seed needs a one-element output; got {scalarOutput}.");
        return Backward(new[] { scalarOutput }, new[] { Tensor.Full(1f, scalarOutput.ShapeArray).View(Shapes.Prepend(1, scalarOutput.Shape)) }, hooks);
    }

    /// <summary>Backward from one output with a seed of the output's shape (one vector-Jacobian product).</summary>
    public Gradients Backward(Tensor output, Tensor seed, GradHooks? hooks = null)
    {
        if (!seed.SameShape(output))
            throw new ArgumentException($"Seed {seed} does not match output {output}.");
        return Backward(new[] { output }, new[] { seed.View(Shapes.Prepend(1, seed.Shape)) }, hooks);
    }

    /// <summary>
    /// K vector-Jacobian products in one pass: each seed has shape [K, *output shape]; every gradient the pass
    /// produces has shape [K, *tensor shape], row k being the VJP of seed row k.
    /// </summary>
    public Gradients BackwardBatched(Tensor output, Tensor seeds, GradHooks? hooks = null) =>
        Backward(new[] { output }, new[] { seeds }, hooks);

    /// <summary>Batched VJPs from several outputs at once (their contributions add).</summary>
    public Gradients Backward(Tensor[] outputs, Tensor[] seeds, GradHooks? hooks = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (outputs.Length != seeds.Length || outputs.Length == 0)
            throw new ArgumentException("Need one seed per output.");
        int k = seeds[0].Dim(0);
        var grads = new Gradients(k);
        for (int i = 0; i < outputs.Length; i++)
        {
            var o = outputs[i];
            var s = seeds[i];
            if (s.Rank != o.Rank + 1 || s.Dim(0) != k || !s.Shape[1..].SequenceEqual(o.Shape))
                throw new ArgumentException($"Seed {s} must have shape [K, ...{Shapes.Format(o.Shape)}] with the same K for every output.");
            if (!o.RequiresGrad) continue;
            grads.Accumulate(o, s);
        }

        using var _ = NoGrad(); // backward computations are never recorded
        var ctx = new BackwardContext(grads);
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var node = nodes[i];
            var g = grads.Take(node.Output);
            if (g is null) continue;
            if (node.Name is not null && hooks is not null)
            {
                g = hooks.Apply(node.Name, g);
                if (g is null) continue; // stopped
            }
            grads.SetFinal(node.Output, g);
            node.Backward(ctx, g);
        }
        return grads;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (current == this)
        {
            current = previous;
            noGrad = previousNoGrad;
        }
    }

    private sealed class NoGradScope : IDisposable
    {
        private readonly bool previous = noGrad;
        private bool disposed;

        public NoGradScope() => noGrad = true;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            noGrad = previous;
        }
    }
}
