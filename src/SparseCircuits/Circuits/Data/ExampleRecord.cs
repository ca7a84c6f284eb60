namespace SparseCircuits.Circuits.Data;

/// <summary>
/// One example as a data file writes it, before tokenization and filtering: the reference fields
/// (<c>clean_prefix</c>, <c>patch_prefix</c>, <c>clean_answer</c>, <c>patch_answer</c>, <c>case</c>) and their
/// token-id variants (<c>clean_ids</c>, <c>patch_ids</c>, <c>clean_answer_id</c>, <c>patch_answer_id</c>), which
/// skip the tokenizer and win when both are given. No patch prompt means unpaired data.
/// </summary>
public sealed record ExampleRecord
{
    public string? CleanPrefix { get; init; }
    public string? PatchPrefix { get; init; }
    public string? CleanAnswer { get; init; }
    public string? PatchAnswer { get; init; }
    public string? Case { get; init; }
    public int[]? CleanIds { get; init; }
    public int[]? PatchIds { get; init; }
    public int? CleanAnswerId { get; init; }
    public int? PatchAnswerId { get; init; }

    /// <summary>Whether the record has a patch prompt (as text or ids).</summary>
    public bool IsPaired => PatchPrefix is not null || PatchIds is not null;
}
