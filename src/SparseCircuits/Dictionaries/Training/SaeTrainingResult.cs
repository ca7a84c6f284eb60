namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// A trained dictionary's parameters, in raw activation units, with the scale factors it was trained under (recorded in
/// cfg.json) and the closing statistics (means over the last steps, on the training batches).
/// <see cref="TrainableSae.ToDictionary"/> of <see cref="Parameters"/> gives the inference dictionary.
/// </summary>
public sealed record SaeTrainingResult(
    TrainableSae Parameters,
    SaeTrainingOptions Options,
    float InputScale,
    float OutputScale,
    int Steps,
    long Tokens,
    double FinalLoss,
    double FinalL0,
    double FinalExplainedVariance,
    int DeadFeatures,
    int ResampledFeatures);
