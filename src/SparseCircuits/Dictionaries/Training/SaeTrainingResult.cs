namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// A trained dictionary, in raw activation units, with the scale factors it was trained under (recorded in cfg.json)
/// and the closing statistics (means over the last steps, on the training batches).
/// </summary>
public sealed record SaeTrainingResult(
    TrainableSae Dictionary,
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
