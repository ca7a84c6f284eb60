using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Re-initialises dead features (Anthropic, "Towards Monosemanticity", 2023): for each one, pick a row of the batch
/// with probability proportional to its squared reconstruction loss; the feature's decoder row becomes that row's
/// error direction (y − ŷ)/‖y − ŷ‖, its encoder column the same direction (for a transcoder, the input row's direction)
/// scaled to 0.2 × the mean encoder-column norm of the living features, its encoder bias 0 and (JumpReLU) its
/// threshold the initial one. Optimiser moments are not reset: a feature dead for a whole window has had zero gradient
/// for as long, so its first moment has decayed away.
/// </summary>
public static class FeatureResampler
{
    public static void Resample(TrainableSae sae, ActivationBatch batch, Tensor reconstructed, int[] dead, Random rng,
        float initialThreshold)
    {
        if (dead.Length == 0) return;
        int n = batch.Rows, dIn = sae.InputDim, dOut = sae.OutputDim, width = sae.Width;
        var y = batch.Target.Span;
        var yHat = reconstructed.Span;

        var weights = new double[n];
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            double sq = 0;
            for (int j = 0; j < dOut; j++)
            {
                double e = y[r * dOut + j] - yHat[r * dOut + j];
                sq += e * e;
            }
            weights[r] = sq * sq;
            total += weights[r];
        }

        var isDead = new bool[width];
        foreach (int j in dead) isDead[j] = true;
        var wEnc = sae.EncoderWeight.Span;
        double aliveNorm = 0;
        int alive = 0;
        for (int j = 0; j < width; j++)
        {
            if (isDead[j]) continue;
            double sq = 0;
            for (int i = 0; i < dIn; i++) sq += (double)wEnc[i * width + j] * wEnc[i * width + j];
            aliveNorm += Math.Sqrt(sq);
            alive++;
        }
        float encoderNorm = 0.2f * (float)(alive > 0 ? aliveNorm / alive : 1.0);

        var direction = new float[dOut];
        var encoderDirection = new float[dIn];
        var wDec = sae.DecoderWeight.Span;
        foreach (int feature in dead)
        {
            int row = Pick(weights, total, rng);
            for (int j = 0; j < dOut; j++) direction[j] = y[row * dOut + j] - yHat[row * dOut + j];
            float norm = TensorPrimitives.Norm(direction);
            if (norm == 0) continue; // a perfectly reconstructed batch: nothing to aim at
            TensorPrimitives.Divide(direction, norm, direction);
            direction.CopyTo(wDec.Slice(feature * dOut, dOut));

            if (batch.IsAutoencoding) direction.CopyTo(encoderDirection, 0);
            else
            {
                batch.Input.Span.Slice(row * dIn, dIn).CopyTo(encoderDirection);
                float inNorm = TensorPrimitives.Norm(encoderDirection);
                if (inNorm > 0) TensorPrimitives.Divide(encoderDirection, inNorm, encoderDirection);
            }
            for (int i = 0; i < dIn; i++) wEnc[i * width + feature] = encoderDirection[i] * encoderNorm;
            sae.EncoderBias.Span[feature] = 0;
            if (sae.LogThreshold is { } logTheta) logTheta.Span[feature] = MathF.Log(initialThreshold);
        }
    }

    /// <summary>Index drawn with probability weights[i]/total (uniform when every weight is 0).</summary>
    private static int Pick(double[] weights, double total, Random rng)
    {
        if (!(total > 0)) return rng.Next(weights.Length);
        double u = rng.NextDouble() * total;
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }
        return weights.Length - 1;
    }
}
