namespace SparseCircuits.Tensors.Autograd;

/// <summary>What a backward function sees: the number of seeds K and the gradient buffers of the inputs.</summary>
public sealed class BackwardContext
{
    private readonly Gradients grads;

    internal BackwardContext(Gradients grads) => this.grads = grads;

    /// <summary>Number of seeds propagated together (gradients have a leading axis of this size).</summary>
    public int K => grads.K;

    /// <summary>True when a gradient must be produced for <paramref name="input"/>.</summary>
    public bool Needs(Tensor input) => input.RequiresGrad;

    /// <summary>The gradient buffer of <paramref name="input"/>, shape [K, *input shape], zeroed when first asked
    /// for; backward functions add into it.</summary>
    public Tensor Buffer(Tensor input) => grads.BufferFor(input);

    /// <summary>Adds <paramref name="grad"/> (shape [K, *input shape]) into the input's gradient.</summary>
    public void Accumulate(Tensor input, Tensor grad) => grads.Accumulate(input, grad);
}
