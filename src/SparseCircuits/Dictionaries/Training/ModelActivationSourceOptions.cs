namespace SparseCircuits.Dictionaries.Training;

/// <summary>Settings of <see cref="ModelActivationSource"/>.</summary>
public sealed record ModelActivationSourceOptions
{
    /// <summary>Contexts run through the model together.</summary>
    public int ContextsPerForward { get; init; } = 16;

    /// <summary>Rows held by the mixing buffer (batches are drawn from it at random).</summary>
    public int BufferRows { get; init; } = 1 << 16;

    /// <summary>Seeds the context order of every epoch and the buffer's sampling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>When the activations of the whole corpus take at most this many bytes, they are kept after the first
    /// epoch instead of running the model again.</summary>
    public long CacheBytes { get; init; } = 1L << 30;
}
