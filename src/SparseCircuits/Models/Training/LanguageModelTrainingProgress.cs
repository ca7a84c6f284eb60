namespace SparseCircuits.Models.Training;

/// <summary>Where a language-model run stands: the loss of the latest step (nats per token) and its smoothed value.</summary>
public readonly record struct LanguageModelTrainingProgress(
    int Step,
    int Steps,
    long Tokens,
    double Loss,
    double SmoothedLoss,
    float LearningRate,
    double GradientNorm);
