using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Models.Training;

/// <summary>The next-token cross-entropy of a model on a batch of rows: mean over every position, in nats.</summary>
public static class LanguageModelLoss
{
    /// <summary>A scalar (recorded on the current tape when the weights need gradients).</summary>
    /// <param name="inputs">Rows·context token ids.</param>
    /// <param name="targets">The token after each input position.</param>
    public static Tensor Compute(Transformer model, int[] inputs, int[] targets, int rows, int context)
    {
        if (targets.Length != inputs.Length) throw new ArgumentException($"{targets.Length} targets for {inputs.Length} inputs.");
        var logits = model.Forward(new TokenBatch(inputs, rows, context));
        return Losses.CrossEntropy(logits, targets);
    }
}
