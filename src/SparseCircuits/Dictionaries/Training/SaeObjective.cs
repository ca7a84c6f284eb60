using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// The training loss of a dictionary on one batch, built from differentiable ops so the tape gives its gradient. All
/// terms are means over rows:
/// <list type="bullet">
/// <item>reconstruction ‖y − ŷ‖² (summed over dimensions);</item>
/// <item>ReLU: + λ·Σ_i f_i (plain L1; decoder rows are kept at unit norm, which makes it Anthropic's Σ f_i‖W_dec,i‖);</item>
/// <item>JumpReLU: + λ·‖f‖₀, with straight-through threshold gradients (<see cref="JumpReluStraightThrough"/>);</item>
/// <item>AuxK (any architecture, when there are dead features): + α·‖e − ê‖², where e = y − ŷ is held constant and ê is
/// decoded (without bias) from the k_aux largest positive pre-activations among dead features (Gao et al. 2024).</item>
/// </list>
/// </summary>
public static class SaeObjective
{
    /// <param name="sparsityCoefficient">λ for ReLU (L1) and JumpReLU (L0); ignored by TopK.</param>
    /// <param name="deadFeatures">Features to draw the AuxK reconstruction from (null or empty: no auxiliary loss).</param>
    public static SaeLoss Compute(TrainableSae sae, ActivationBatch batch, float sparsityCoefficient, float bandwidth,
        int[]? deadFeatures = null, int auxK = 0, float auxCoefficient = 0)
    {
        int n = batch.Rows;
        float perRow = 1f / n;
        var pre = sae.PreActivations(batch.Input);
        Tensor features;
        Tensor? sparsity = null;
        switch (sae.Architecture)
        {
            case SaeArchitecture.Relu:
                features = Activations.Relu(pre);
                if (sparsityCoefficient > 0) sparsity = Elementwise.Scale(Reductions.Sum(features), sparsityCoefficient * perRow);
                break;
            case SaeArchitecture.TopK:
                features = Activations.TopK(Activations.Relu(pre), sae.K);
                break;
            default:
                var logTheta = sae.LogThreshold!;
                features = JumpReluStraightThrough.Gate(pre, logTheta, bandwidth);
                if (sparsityCoefficient > 0)
                    sparsity = Elementwise.Scale(JumpReluStraightThrough.L0(pre, logTheta, bandwidth), sparsityCoefficient * perRow);
                break;
        }
        var reconstructed = sae.Decode(features);
        var error = Elementwise.Sub(reconstructed, batch.Target);
        var reconstruction = Elementwise.Scale(Reductions.Sum(Elementwise.Mul(error, error)), perRow);
        var total = sparsity is null ? reconstruction : Elementwise.Add(reconstruction, sparsity);

        double auxiliary = 0;
        if (deadFeatures is { Length: > 0 } && auxK > 0 && auxCoefficient > 0)
        {
            var aux = AuxiliaryLoss(sae, pre, error, deadFeatures, Math.Min(auxK, deadFeatures.Length), perRow);
            auxiliary = aux.ToFloat();
            total = Elementwise.Add(total, Elementwise.Scale(aux, auxCoefficient));
        }

        return new SaeLoss(total, reconstruction.ToFloat(), sparsity?.ToFloat() ?? 0, auxiliary, SparseCodes.FromDense(features),
            reconstructed, ExplainedVariance(batch.Target, error));
    }

    /// <summary>‖e − ê‖² per row, ê from the top-k_aux dead pre-activations; e (the current error) is a constant.</summary>
    private static Tensor AuxiliaryLoss(TrainableSae sae, Tensor pre, Tensor error, int[] dead, int k, float perRow)
    {
        var mask = Tensor.Zeros(sae.Width);
        foreach (int j in dead) mask.Span[j] = 1f;
        var deadPre = Elementwise.Mul(Activations.Relu(pre), mask);
        var auxFeatures = Activations.TopK(deadPre, k);
        var auxReconstruction = MatMul.Linear(auxFeatures, sae.DecoderWeight, weightIsInOut: true);
        // e = y − ŷ = −error; ‖ê − e‖² = ‖ê + error‖², with error detached.
        var residual = Elementwise.Add(auxReconstruction, error.Detach());
        return Elementwise.Scale(Reductions.Sum(Elementwise.Mul(residual, residual)), perRow);
    }

    /// <summary>1 − Σ‖y − ŷ‖² / Σ‖y − ȳ‖² over the batch, with ȳ the batch mean (float64).</summary>
    public static double ExplainedVariance(Tensor target, Tensor error)
    {
        int n = target.Rows, d = target.Columns;
        var mean = new double[d];
        var y = target.Span;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < d; j++) mean[j] += y[r * d + j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        double total = 0, residual = 0;
        var e = error.Span;
        for (int i = 0; i < n * d; i++)
        {
            double c = y[i] - mean[i % d];
            total += c * c;
            residual += (double)e[i] * e[i];
        }
        return total > 0 ? 1 - residual / total : 0;
    }
}
