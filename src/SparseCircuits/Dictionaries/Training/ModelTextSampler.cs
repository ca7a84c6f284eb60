using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Text the model writes itself, as token ids: sequences start from a prompt (e.g. just BOS) and are continued by
/// sampling from softmax(logits / T) with a seeded generator, several sequences per forward pass. Sampling does not stop
/// at an end-of-text or BOS token (the model then starts a new document), so every sequence has the requested length.
/// The same seed gives the same sequences.
/// </summary>
public static class ModelTextSampler
{
    public static int[][] Sample(Transformer model, int sequences, int length, int[] prompt, float temperature = 1f, int seed = 1,
        int batchSize = 32, IProgress<int>? progress = null)
    {
        if (sequences < 0) throw new SfcInputException($"--generate: must be 0 or more, got {sequences}");
        if (prompt.Length == 0) throw new ArgumentException("Sampling needs a prompt of at least one token (e.g. BOS).");
        if (length <= prompt.Length || length > model.Config.MaxPositions)
            throw new SfcInputException($"--context: generated sequences of {length} tokens need 1 < length ≤ {model.Config.MaxPositions}");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be positive.");
        var rng = new Random(seed);
        var result = new int[sequences][];
        int d = model.Config.DModel, v = model.Config.VocabSize;
        var probabilities = new double[v];
        for (int start = 0; start < sequences; start += batchSize)
        {
            int b = Math.Min(batchSize, sequences - start);
            var rows = new int[b][];
            for (int i = 0; i < b; i++)
            {
                rows[i] = new int[length];
                prompt.CopyTo(rows[i], 0);
            }
            for (int t = prompt.Length; t < length; t++)
            {
                var ids = new int[b * t];
                for (int i = 0; i < b; i++) rows[i].AsSpan(0, t).CopyTo(ids.AsSpan(i * t, t));
                float[] logits;
                using (Tape.NoGrad())
                {
                    var resid = model.ResidualStream(new TokenBatch(ids, b, t)).View(b * t, d);
                    var last = SparseCircuits.Tensors.Tensor.Empty(b, d);
                    for (int i = 0; i < b; i++) resid.Span.Slice((i * t + t - 1) * d, d).CopyTo(last.Span.Slice(i * d, d));
                    logits = model.Unembed(model.FinalNorm(last)).ToArray();
                }
                for (int i = 0; i < b; i++) rows[i][t] = Draw(logits.AsSpan(i * v, v), temperature, probabilities, rng);
            }
            for (int i = 0; i < b; i++) result[start + i] = rows[i];
            progress?.Report(start + b);
        }
        return result;
    }

    /// <summary>One draw from softmax(logits / T), computed in float64.</summary>
    private static int Draw(ReadOnlySpan<float> logits, float temperature, double[] p, Random rng)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double z = 0;
        for (int i = 0; i < logits.Length; i++) z += p[i] = Math.Exp((logits[i] - max) / temperature);
        double u = rng.NextDouble() * z;
        for (int i = 0; i < logits.Length; i++)
        {
            u -= p[i];
            if (u < 0) return i;
        }
        return logits.Length - 1;
    }
}
