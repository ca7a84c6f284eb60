namespace SparseCircuits.Models.Training;

/// <summary>Everything that decides a language-model training run besides the model's shape and the data.</summary>
public sealed record LanguageModelTrainingOptions
{
    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 1500;

    /// <summary>Rows (sequences of <see cref="Context"/> tokens) per step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Tokens per row (at most the model's positions).</summary>
    public int Context { get; init; } = 32;

    /// <summary>Peak learning rate of AdamW.</summary>
    public float LearningRate { get; init; } = 3e-3f;

    /// <summary>Linear warm-up from 0 over this many steps, then cosine decay.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>The cosine decay ends at this fraction of the peak rate.</summary>
    public float FinalLearningRateFraction { get; init; } = 0.1f;

    /// <summary>Decoupled weight decay of the matrices and embeddings (biases and norm parameters get none).</summary>
    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>Global gradient-norm clip (null: none).</summary>
    public float? MaxGradNorm { get; init; } = 1f;

    /// <summary>Seeds the order of the training rows (the initial weights are seeded by the caller).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Report progress every this many steps (and after the last).</summary>
    public int ReportEvery { get; init; } = 10;

    /// <summary>Rows of held-out text the final held-out loss is measured on.</summary>
    public int HeldOutRows { get; init; } = 256;

    public long Tokens => (long)Steps * BatchSize * Context;

    /// <summary>Checks the options; throws <see cref="SfcInputException"/> naming the flag.</summary>
    public LanguageModelTrainingOptions Validate()
    {
        if (Steps < 1) throw new SfcInputException($"--steps: must be at least 1, got {Steps}");
        if (BatchSize < 1) throw new SfcInputException($"--batch-size: must be at least 1, got {BatchSize}");
        if (Context < 2) throw new SfcInputException($"--context: must be at least 2, got {Context}");
        if (!(LearningRate > 0)) throw new SfcInputException($"--lr: must be positive, got {LearningRate}");
        if (WarmupSteps < 0) throw new SfcInputException($"--warmup: must be 0 or more, got {WarmupSteps}");
        if (FinalLearningRateFraction is < 0 or > 1) throw new ArgumentException("FinalLearningRateFraction must lie in [0, 1].");
        if (WeightDecay < 0) throw new SfcInputException($"--weight-decay: must be 0 or more, got {WeightDecay}");
        if (MaxGradNorm is <= 0) throw new ArgumentException("MaxGradNorm must be positive.");
        if (HeldOutRows < 0) throw new ArgumentException("HeldOutRows must be 0 or more.");
        return this;
    }
}
