namespace SparseCircuits.Dictionaries.Training;

/// <summary>Where a training run stands, on the current batch: loss (all terms), mean L0, explained variance.</summary>
public readonly record struct SaeTrainingProgress(
    int Step,
    int Steps,
    long Tokens,
    double Loss,
    double L0,
    double ExplainedVariance,
    int DeadFeatures);
