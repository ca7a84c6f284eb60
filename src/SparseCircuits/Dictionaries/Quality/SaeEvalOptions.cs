namespace SparseCircuits.Dictionaries.Quality;

/// <summary>Settings of <see cref="SaeEvaluator"/>.</summary>
public sealed record SaeEvalOptions
{
    /// <summary>Tokens per context.</summary>
    public int ContextLength { get; init; } = 128;

    /// <summary>Contexts run through the model together.</summary>
    public int ContextsPerForward { get; init; } = 16;

    /// <summary>Evaluate on at most this many contexts (null: all).</summary>
    public int? MaxContexts { get; init; }

    /// <summary>A feature is dense when it fires on more than this fraction of the evaluation tokens.</summary>
    public double DenseThreshold { get; init; } = 0.1;
}
