namespace SparseCircuits.Models.Training;

/// <summary>Linear warm-up from 0 to the peak over the first steps, then a half cosine down to a final fraction of it.</summary>
public sealed record WarmupCosineSchedule(float Peak, int Steps, int WarmupSteps, float FinalFraction)
{
    public static WarmupCosineSchedule For(LanguageModelTrainingOptions o) =>
        new(o.LearningRate, o.Steps, Math.Min(o.WarmupSteps, o.Steps), o.FinalLearningRateFraction);

    /// <summary>The rate of step <paramref name="step"/> (0-based).</summary>
    public float At(int step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        int decaySteps = Steps - WarmupSteps;
        double progress = decaySteps <= 1 ? 1 : (double)(step - WarmupSteps) / (decaySteps - 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
        return (float)(Peak * (FinalFraction + (1 - FinalFraction) * cosine));
    }
}
