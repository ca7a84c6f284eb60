using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Activation rows held in memory (synthetic data, tests, activations cached elsewhere): each epoch visits every row
/// once in an order shuffled by a seeded generator, and epochs follow one another without end.
/// </summary>
public sealed class MatrixActivationSource : IActivationSource
{
    private readonly Tensor inputs;
    private readonly Tensor? targets;
    private readonly Random rng;
    private readonly int[] order;
    private int position;

    /// <param name="inputs">Rows [N, d_in].</param>
    /// <param name="targets">Rows [N, d_out] to reconstruct (a transcoder), or null to reconstruct the inputs.</param>
    public MatrixActivationSource(Tensor inputs, Tensor? targets = null, int seed = 1)
    {
        if (inputs.Rank != 2 || inputs.Rows == 0) throw new ArgumentException($"Need a non-empty [N, d] matrix; got {inputs}.");
        if (targets is not null && (targets.Rank != 2 || targets.Rows != inputs.Rows))
            throw new ArgumentException($"Targets {targets} must have the {inputs.Rows} rows of the inputs.");
        this.inputs = inputs;
        this.targets = targets;
        rng = new Random(seed);
        order = Enumerable.Range(0, inputs.Rows).ToArray();
        position = order.Length; // shuffle on first use
    }

    public int InputDim => inputs.Columns;

    public int OutputDim => (targets ?? inputs).Columns;

    /// <summary>Complete passes over the rows started so far.</summary>
    public int Epochs { get; private set; }

    public ActivationBatch Next(int rows)
    {
        var x = Tensor.Empty(rows, InputDim);
        var y = targets is null ? x : Tensor.Empty(rows, OutputDim);
        for (int r = 0; r < rows; r++)
        {
            if (position == order.Length)
            {
                rng.Shuffle(order);
                position = 0;
                Epochs++;
            }
            int i = order[position++];
            inputs.Span.Slice(i * InputDim, InputDim).CopyTo(x.Span.Slice(r * InputDim, InputDim));
            if (targets is not null) targets.Span.Slice(i * OutputDim, OutputDim).CopyTo(y.Span.Slice(r * OutputDim, OutputDim));
        }
        return new ActivationBatch(x, y);
    }
}
