namespace SparseCircuits.Models.Training;

/// <summary>
/// What a run did: the loss of every step (nats per predicted token, on that step's batch), the mean over the last
/// tenth of the steps, and the loss on held-out rows after training (NaN when there were none).
/// </summary>
public sealed record LanguageModelTrainingResult(
    int Steps,
    long Tokens,
    IReadOnlyList<double> StepLosses,
    double FinalLoss,
    double HeldOutLoss,
    TimeSpan Elapsed);
