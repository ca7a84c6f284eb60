using System.Diagnostics;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Optim;

namespace SparseCircuits.Models.Training;

/// <summary>
/// Trains a transformer's weights in place on next-token prediction: each step draws <c>BatchSize</c> line-aligned rows
/// at random (seeded), computes the mean cross-entropy over every position, back-propagates and takes an AdamW step
/// (weight decay on matrices and embeddings only, gradient-norm clipping, warm-up then cosine learning rate).
/// The same seed, model and data give the same weights.
/// </summary>
public sealed class LanguageModelTrainer(LanguageModelTrainingOptions options)
{
    public LanguageModelTrainingOptions Options { get; } = options.Validate();

    /// <param name="model">Trained in place; its weights must be ordinary (writable) tensors.</param>
    /// <param name="train">Rows are drawn from here.</param>
    /// <param name="heldOut">When it has rows, the loss on them is measured after training.</param>
    public LanguageModelTrainingResult Train(Transformer model, LineAlignedCorpus train, LineAlignedCorpus? heldOut = null,
        IProgress<LanguageModelTrainingProgress>? progress = null)
    {
        var o = Options;
        int context = o.Context;
        if (context > model.Config.MaxPositions)
            throw new SfcInputException($"--context: {context} tokens is more than the model's {model.Config.MaxPositions} positions");
        int starts = train.RowStarts(context + 1);
        if (starts == 0) throw new SfcInputException($"--corpus: {train.Tokens} tokens, fewer than one row of {context + 1}");

        var optimizer = new AdamW([], new AdamWOptions(o.LearningRate, WeightDecay: o.WeightDecay, MaxGradNorm: o.MaxGradNorm));
        foreach (var p in model.Weights.Parameters()) optimizer.Add(p, p.Rank >= 2 ? o.WeightDecay : 0f);
        var schedule = WarmupCosineSchedule.For(o);
        var rng = new Random(o.Seed);
        var losses = new List<double>(o.Steps);
        var startLines = new int[o.BatchSize];
        double smoothed = double.NaN;
        var clock = Stopwatch.StartNew();

        for (int step = 0; step < o.Steps; step++)
        {
            for (int r = 0; r < startLines.Length; r++) startLines[r] = rng.Next(starts);
            var (inputs, targets) = train.Rows(startLines, context);
            optimizer.LearningRate = schedule.At(step);
            double loss, norm;
            using (var tape = Tape.Record())
            {
                var lossTensor = LanguageModelLoss.Compute(model, inputs, targets, o.BatchSize, context);
                loss = lossTensor.ToFloat();
                if (!double.IsFinite(loss)) throw new InvalidOperationException($"The loss became {loss} at step {step + 1}; lower --lr.");
                norm = optimizer.Step(tape.Backward(lossTensor));
            }
            losses.Add(loss);
            smoothed = double.IsNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
            if (progress is not null && ((step + 1) % Math.Max(1, o.ReportEvery) == 0 || step == o.Steps - 1))
                progress.Report(new LanguageModelTrainingProgress(step + 1, o.Steps, (long)(step + 1) * o.BatchSize * context,
                    loss, smoothed, optimizer.LearningRate, norm));
        }

        int tail = Math.Max(1, o.Steps / 10);
        double final = losses.Skip(losses.Count - tail).Average();
        double heldOutLoss = heldOut is null ? double.NaN : MeanLoss(model, heldOut, context, o.HeldOutRows, o.BatchSize);
        return new LanguageModelTrainingResult(o.Steps, o.Tokens, losses, final, heldOutLoss, clock.Elapsed);
    }

    /// <summary>
    /// Mean next-token loss over up to <paramref name="maxRows"/> rows starting at evenly spaced lines (NaN when the
    /// text holds no full row), each row weighted equally.
    /// </summary>
    public static double MeanLoss(Transformer model, LineAlignedCorpus text, int context, int maxRows, int batchSize = 32)
    {
        int starts = text.RowStarts(context + 1);
        int rows = Math.Min(starts, maxRows);
        if (rows == 0) return double.NaN;
        var lines = Enumerable.Range(0, rows).Select(i => (int)((long)i * starts / rows)).ToArray();
        using var _ = Tape.NoGrad();
        double total = 0;
        for (int first = 0; first < rows; first += batchSize)
        {
            int count = Math.Min(batchSize, rows - first);
            var (inputs, targets) = text.Rows(lines.AsSpan(first, count), context);
            total += LanguageModelLoss.Compute(model, inputs, targets, count, context).ToFloat() * count;
        }
        return total / rows;
    }
}
