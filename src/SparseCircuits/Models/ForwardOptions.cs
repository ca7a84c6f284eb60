namespace SparseCircuits.Models;

/// <summary>Variants of the forward pass used in interpretability work.</summary>
public sealed record ForwardOptions
{
    public static ForwardOptions Default { get; } = new();

    /// <summary>Treat attention patterns as constants in backward (gradients flow only through values).</summary>
    public bool FreezeAttentionPatterns { get; init; }

    /// <summary>Treat LayerNorm/RMSNorm scales as constants in backward (the norm becomes linear).</summary>
    public bool FreezeNormScales { get; init; }
}
