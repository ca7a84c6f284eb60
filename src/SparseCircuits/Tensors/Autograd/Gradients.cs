using System.Numerics.Tensors;

namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// The result of one backward pass: gradients of leaves (and of tensors marked with
/// <see cref="Gradients.Retain"/>-style requests through hooks), each with shape [K, *tensor shape].
/// Intermediate gradients are released as soon as they have been propagated.
/// </summary>
public sealed class Gradients
{
    private readonly Dictionary<Tensor, Tensor> pending = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, Tensor> final = new(ReferenceEqualityComparer.Instance);

    internal Gradients(int k) => K = k;

    /// <summary>Number of seeds in this pass.</summary>
    public int K { get; }

    /// <summary>The gradient of <paramref name="tensor"/>, shape [K, *shape]; null when no gradient reached it.</summary>
    public Tensor? Batched(Tensor tensor) =>
        final.TryGetValue(tensor, out var g) ? g : pending.TryGetValue(tensor, out g) ? g : null;

    /// <summary>The gradient of <paramref name="tensor"/> from a single-seed pass, with the tensor's own shape; a zero
    /// tensor when no gradient reached it.</summary>
    public Tensor Of(Tensor tensor)
    {
        if (K != 1) throw new InvalidOperationException($"This pass has {K} seeds; use Batched().");
        var g = Batched(tensor);
        return g is null ? Tensor.Zeros(tensor.ShapeArray) : g.View(tensor.ShapeArray);
    }

    internal Tensor BufferFor(Tensor t)
    {
        if (!pending.TryGetValue(t, out var g))
        {
            g = Tensor.Zeros(Shapes.Prepend(K, t.Shape));
            pending[t] = g;
        }
        return g;
    }

    internal void Accumulate(Tensor t, Tensor grad)
    {
        if (grad.Length != K * t.Length)
            throw new ArgumentException($"Gradient {grad} does not fit {K} seeds of {t}.");
        if (pending.TryGetValue(t, out var g)) TensorPrimitives.Add(g.Span, grad.Span, g.Span);
        else pending[t] = Tensor.FromSpan(grad.Span, Shapes.Prepend(K, t.Shape));
    }

    /// <summary>Removes and returns the gradient accumulated for a node's output.</summary>
    internal Tensor? Take(Tensor t) => pending.Remove(t, out var g) ? g : null;

    internal void SetFinal(Tensor t, Tensor g)
    {
        if (t.RetainsGrad) final[t] = g;
    }
}
