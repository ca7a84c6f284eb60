namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Everything that decides a training run. Losses are computed on activations rescaled so that E‖x‖² = d (see
/// <see cref="ActivationScaling"/>), so the sparsity coefficients mean the same thing at every site and model.
/// </summary>
public sealed record SaeTrainingOptions
{
    public SaeArchitecture Architecture { get; init; } = SaeArchitecture.TopK;

    /// <summary>Number of features F.</summary>
    public required int Width { get; init; }

    /// <summary>Active features per row for TopK.</summary>
    public int K { get; init; }

    /// <summary>
    /// Sparsity coefficient: the L1 coefficient λ for ReLU (loss ‖x − x̂‖² + λ·Σf, decoder rows held at unit norm so that
    /// plain L1 equals Anthropic's Σ f_i·‖W_dec,i‖), the L0 coefficient for JumpReLU. Unused by TopK.
    /// </summary>
    public float SparsityCoefficient { get; init; } = 5f;

    /// <summary>Activation rows consumed in total (the token budget).</summary>
    public long Tokens { get; init; } = 1_000_000;

    /// <summary>Rows per optimiser step.</summary>
    public int BatchSize { get; init; } = 4096;

    public float LearningRate { get; init; } = 1e-3f;

    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Global gradient-norm clip (null: none).</summary>
    public float? MaxGradNorm { get; init; }

    /// <summary>Linear learning-rate warm-up from 0 over this fraction of the steps.</summary>
    public double WarmupFraction { get; init; } = 0.02;

    /// <summary>Linear learning-rate decay to 0 over this final fraction of the steps.</summary>
    public double DecayFraction { get; init; } = 0.2;

    /// <summary>The sparsity coefficient ramps linearly from 0 over this fraction of the steps (fewer early deaths).</summary>
    public double SparsityWarmupFraction { get; init; } = 0.05;

    /// <summary>Dead-feature handling (null: AuxK for TopK, resampling for ReLU and JumpReLU).</summary>
    public DeadFeaturePolicy? DeadFeatures { get; init; }

    public DeadFeaturePolicy EffectiveDeadFeatures =>
        DeadFeatures ?? (Architecture == SaeArchitecture.TopK ? DeadFeaturePolicy.AuxK : DeadFeaturePolicy.Resample);

    public long EffectiveDeadAfterTokens => DeadAfterTokens ?? Math.Max(Tokens / 10, 20L * BatchSize);

    /// <summary>A feature is dead once it has not fired for this many rows (default: a tenth of the budget, at
    /// least 20 batches).</summary>
    public long? DeadAfterTokens { get; init; }

    /// <summary>AuxK: how many dead features reconstruct the residual (default d/2).</summary>
    public int? AuxK { get; init; }

    /// <summary>AuxK: weight of the auxiliary loss (Gao et al.: 1/32).</summary>
    public float AuxKCoefficient { get; init; } = 1f / 32;

    /// <summary>Resample: dead features are re-initialised at this many evenly spaced points of training (none in the
    /// final <see cref="DecayFraction"/>).</summary>
    public int Resamplings { get; init; } = 4;

    /// <summary>
    /// JumpReLU: width ε of the rectangle kernel of the threshold's straight-through estimator, on the rescaled
    /// activations. Wider than Gemma Scope's 0.001 so that thresholds get a useful gradient within budgets of a few
    /// thousand steps.
    /// </summary>
    public float JumpReluBandwidth { get; init; } = 0.05f;

    /// <summary>JumpReLU: initial threshold θ on the rescaled activations (pre-activations are of order 1 there); a
    /// start near the final scale again suits short runs better than Gemma Scope's 0.001.</summary>
    public float JumpReluInitialThreshold { get; init; } = 0.5f;

    /// <summary>TopK normally uses the hand-written sparse gradient (<see cref="TopKObjective"/>); this forces the
    /// autograd one (they agree to float tolerance; the switch exists to compare them).</summary>
    public bool UseAutogradForTopK { get; init; }

    /// <summary>Rows used before training to estimate the input scale and initialise the decoder bias.</summary>
    public int InitializationRows { get; init; } = 16384;

    /// <summary>Seeds initialisation, resampling and (through the activation source's own seed) the data order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Report progress every this many steps (and after the last).</summary>
    public int ReportEvery { get; init; } = 10;

    public int Steps => (int)Math.Max(1, Tokens / BatchSize);

    /// <summary>Checks the options against each other; throws <see cref="SfcInputException"/> naming the flag.</summary>
    public SaeTrainingOptions Validate()
    {
        if (Width <= 0) throw new SfcInputException($"--width: must be positive, got {Width}");
        if (Architecture == SaeArchitecture.TopK)
        {
            if (K <= 0) throw new SfcInputException("--k: a topk dictionary needs --k K (active features per token), K ≥ 1");
            if (K > Width) throw new SfcInputException($"--k: {K} is larger than --width {Width}");
        }
        if (Architecture != SaeArchitecture.TopK && !(SparsityCoefficient >= 0))
            throw new SfcInputException($"--l1: must be 0 or more, got {SparsityCoefficient}");
        if (Tokens <= 0) throw new SfcInputException($"--tokens: must be positive, got {Tokens}");
        if (BatchSize <= 0) throw new SfcInputException($"--batch-size: must be positive, got {BatchSize}");
        if (!(LearningRate > 0)) throw new SfcInputException($"--lr: must be positive, got {LearningRate}");
        if (WarmupFraction is < 0 or > 1 || DecayFraction is < 0 or > 1 || WarmupFraction + DecayFraction > 1)
            throw new ArgumentException("Warm-up and decay fractions must lie in [0, 1] and sum to at most 1.");
        return this;
    }
}
