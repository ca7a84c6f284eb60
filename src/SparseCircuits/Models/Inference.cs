using SparseCircuits.Tensors;

namespace SparseCircuits.Models;

/// <summary>A next-token candidate: id, logit and probability.</summary>
public readonly record struct TokenScore(int Id, float Logit, double Probability);

/// <summary>Plain language-model use of a <see cref="Transformer"/>: next-token tables, greedy decoding, NLL.</summary>
public static class Inference
{
    /// <summary>The <paramref name="k"/> most likely next tokens after the last position of a single sequence.</summary>
    public static IReadOnlyList<TokenScore> TopNext(Transformer model, int[] ids, int k)
    {
        var logits = LastLogits(model, ids);
        return Top(logits, k);
    }

    /// <summary>Logits at the last position, [V].</summary>
    public static float[] LastLogits(Transformer model, int[] ids)
    {
        using var _ = Tensors.Autograd.Tape.NoGrad();
        var resid = model.ResidualStream(TokenBatch.Single(ids));
        var last = resid.View(ids.Length, model.Config.DModel).SliceRows(ids.Length - 1, 1);
        return model.Unembed(model.FinalNorm(last)).ToArray();
    }

    public static IReadOnlyList<TokenScore> Top(ReadOnlySpan<float> logits, int k)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double z = 0;
        foreach (var l in logits) z += Math.Exp(l - max);
        var order = Enumerable.Range(0, logits.Length).ToArray();
        var copy = logits.ToArray();
        Array.Sort(order, (a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
        return order.Take(Math.Min(k, order.Length)).Select(i => new TokenScore(i, copy[i], Math.Exp(copy[i] - max) / z)).ToArray();
    }

    /// <summary>Greedy (temperature 0) continuation: <paramref name="count"/> new ids, stopping early at <paramref name="stopId"/>.</summary>
    public static int[] Greedy(Transformer model, int[] prompt, int count, int? stopId = null)
    {
        var ids = new List<int>(prompt);
        var added = new List<int>();
        for (int i = 0; i < count && ids.Count < model.Config.MaxPositions; i++)
        {
            var logits = LastLogits(model, ids.ToArray());
            int next = Top(logits, 1)[0].Id;
            if (next == stopId) break;
            ids.Add(next);
            added.Add(next);
        }
        return added.ToArray();
    }

    /// <summary>Mean negative log-likelihood (nats) of each token given the ones before it, over
    /// <paramref name="predictions"/> predictions (default: all S−1), accumulated in float64.</summary>
    public static double MeanNextTokenNll(Transformer model, int[] ids, int? predictions = null)
    {
        if (ids.Length < 2) throw new SfcInputException("need at least two tokens to measure next-token NLL");
        using var _ = Tensors.Autograd.Tape.NoGrad();
        var logits = model.Forward(TokenBatch.Single(ids));
        int v = model.Config.VocabSize, n = Math.Min(predictions ?? ids.Length - 1, ids.Length - 1);
        double total = 0;
        for (int p = 0; p < n; p++) total += Nll(logits.Span.Slice(p * v, v), ids[p + 1]);
        return total / n;
    }

    /// <summary>−log softmax(logits)[target] in float64.</summary>
    public static double Nll(ReadOnlySpan<float> logits, int target)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        double z = 0;
        foreach (var l in logits) z += Math.Exp(l - max);
        return -(logits[target] - max - Math.Log(z));
    }
}
