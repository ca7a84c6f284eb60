namespace SparseCircuits.Circuits.Data;

/// <summary>Which prompt lengths the loader keeps, so that a batch can be stacked without padding.</summary>
public abstract record LengthPolicy
{
    private LengthPolicy() { }

    /// <summary>
    /// The reference (HEAD, <c>use_min_length_only</c>): keep only examples of the shortest length seen so far;
    /// a shorter example throws away everything kept before it and becomes the new length.
    /// </summary>
    public sealed record MinimumSeenSoFar : LengthPolicy;

    /// <summary>The paper era (<c>--example_length</c>): keep only prompts of exactly <paramref name="Length"/> tokens.</summary>
    public sealed record Exact(int Length) : LengthPolicy
    {
        public int Length { get; } = Length > 0 ? Length : throw new ArgumentOutOfRangeException(nameof(Length), Length, "must be positive");
    }

    /// <summary>No length filter, for callers that handle mixed lengths (e.g. "sum" aggregation).</summary>
    public sealed record Any : LengthPolicy;
}
