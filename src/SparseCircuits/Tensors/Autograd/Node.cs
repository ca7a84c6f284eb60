namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// Adds the vector-Jacobian products of one recorded operation to its inputs' gradients. <paramref name="gradOutput"/>
/// has shape [K, *output shape] (K seeds at once); each input's gradient buffer has shape [K, *input shape].
/// </summary>
public delegate void BackwardFunction(BackwardContext context, Tensor gradOutput);

/// <summary>One recorded operation on a tape.</summary>
internal sealed class Node(Tensor output, Tensor[] inputs, BackwardFunction backward, string? name, int index)
{
    public Tensor Output { get; } = output;
    public Tensor[] Inputs { get; } = inputs;
    public BackwardFunction Backward { get; } = backward;

    /// <summary>Hook name for named points (sites); gradient hooks match on it.</summary>
    public string? Name { get; } = name;

    public int Index { get; } = index;
}
