namespace SparseCircuits.Dictionaries.Training;

/// <summary>Linear warm-up from 0, constant, then linear decay to 0 over the final steps.</summary>
public sealed record LearningRateSchedule(float Peak, int Steps, int WarmupSteps, int DecaySteps)
{
    public static LearningRateSchedule For(SaeTrainingOptions o) =>
        new(o.LearningRate, o.Steps, (int)Math.Round(o.WarmupFraction * o.Steps), (int)Math.Round(o.DecayFraction * o.Steps));

    /// <summary>The rate for step <paramref name="step"/> (0-based).</summary>
    public float At(int step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        int decayStart = Steps - DecaySteps;
        if (DecaySteps > 0 && step >= decayStart) return Peak * (Steps - step) / (DecaySteps + 1);
        return Peak;
    }
}
