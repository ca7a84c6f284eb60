namespace SparseCircuits.Dictionaries.Training;

/// <summary>How features that stop firing are brought back.</summary>
public enum DeadFeaturePolicy
{
    /// <summary>Leave them dead.</summary>
    None,

    /// <summary>Re-initialise dead features towards inputs that are badly reconstructed (Anthropic, 2023).</summary>
    Resample,

    /// <summary>An auxiliary loss: the top-k_aux dead features reconstruct the residual error (Gao et al. 2024).</summary>
    AuxK,
}
