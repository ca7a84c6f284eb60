namespace SparseCircuits.Circuits.Data;

/// <summary>
/// What the loader did with the lines of a data file. Lines are looked at in (shuffled) order until enough are
/// kept, so <see cref="Examined"/> = <see cref="Kept"/> + every drop count below.
/// </summary>
/// <param name="Source">The file (or the name given to in-memory records).</param>
/// <param name="Lines">Examples in the source (blank lines not counted).</param>
/// <param name="Requested">The count asked for; null for all that pass.</param>
/// <param name="Examined">Examples looked at before enough were kept or the source ran out.</param>
/// <param name="Kept">Examples returned.</param>
/// <param name="MultiTokenAnswer">Dropped: an answer is not a single token.</param>
/// <param name="PrefixLengthMismatch">Dropped: clean and patch prompts differ in token length.</param>
/// <param name="InconsistentTokenization">Dropped: prefix + answer does not tokenize as prefix tokens + answer token.</param>
/// <param name="WrongLength">Dropped by the length policy: longer than the shortest so far, or not the exact length.</param>
/// <param name="DiscardedByRestart">Kept at first, then thrown away when a shorter example restarted the list.</param>
public sealed record LoadReport(
    string Source,
    int Lines,
    int? Requested,
    int Examined,
    int Kept,
    int MultiTokenAnswer,
    int PrefixLengthMismatch,
    int InconsistentTokenization,
    int WrongLength,
    int DiscardedByRestart)
{
    /// <summary>Fewer examples passed than were asked for.</summary>
    public bool IsShort => Requested is { } n && Kept < n;

    /// <summary>One line for people, e.g. "kept 100 of 480 (examined 121; dropped: 21 clean/patch length mismatch)".</summary>
    public string Summary
    {
        get
        {
            var drops = new (int Count, string Reason)[]
            {
                (MultiTokenAnswer, "multi-token answer"),
                (PrefixLengthMismatch, "clean/patch length mismatch"),
                (InconsistentTokenization, "inconsistent prefix+answer tokenization"),
                (WrongLength, "other length"),
                (DiscardedByRestart, "discarded when a shorter example restarted the list"),
            }.Where(d => d.Count > 0).Select(d => $"{d.Count} {d.Reason}").ToList();
            string wanted = IsShort ? $"; {Requested} requested" : "";
            string dropped = drops.Count == 0 ? "none dropped" : "dropped: " + string.Join(", ", drops);
            return $"kept {Kept} of {Lines} (examined {Examined}; {dropped}{wanted})";
        }
    }

    public override string ToString() => Summary;
}
