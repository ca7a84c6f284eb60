using SparseCircuits.Models.Tokenizers;

namespace SparseCircuits.Circuits.Data;

/// <summary>
/// Turns one validated record into token ids and applies the per-example filters in the reference's order:
/// single-token answers, equal clean/patch prompt lengths, then (optionally) prefix + answer tokenizing as the
/// prefix's tokens followed by the answer token. The length policy comes after, in <see cref="LengthSelection"/>.
/// </summary>
internal sealed class ExampleEncoder(ITokenizer? tokenizer, string source, ExampleLoadOptions options)
{
    /// <summary>The example, or why it is dropped.</summary>
    public (PromptExample? Example, DropReason? Drop) Encode(NumberedRecord numbered)
    {
        var (where, r) = numbered;
        int[] cleanIds = Prompt(r.CleanIds, r.CleanPrefix, "clean_prefix", where);
        int[]? patchIds = r.IsPaired ? Prompt(r.PatchIds, r.PatchPrefix, "patch_prefix", where) : null;

        int[] cleanAnswer = Answer(r.CleanAnswerId, r.CleanAnswer);
        int[]? patchAnswer = r.IsPaired ? Answer(r.PatchAnswerId, r.PatchAnswer) : null;
        if (cleanAnswer.Length != 1 || patchAnswer is { Length: not 1 }) return (null, DropReason.MultiTokenAnswer);

        if (patchIds is not null && patchIds.Length != cleanIds.Length) return (null, DropReason.PrefixLengthMismatch);

        if (options.CheckAnswerTokenization &&
            (!ConsistentlyTokenized(r.CleanPrefix, r.CleanIds, r.CleanAnswer, r.CleanAnswerId, cleanIds, cleanAnswer[0]) ||
             (patchIds is not null && !ConsistentlyTokenized(r.PatchPrefix, r.PatchIds, r.PatchAnswer, r.PatchAnswerId, patchIds, patchAnswer![0]))))
            return (null, DropReason.InconsistentTokenization);

        var example = new PromptExample(cleanIds, patchIds, cleanAnswer[0], patchAnswer?[0], r.Case,
            r.CleanPrefix, r.IsPaired ? r.PatchPrefix : null);
        return (example, null);
    }

    private int[] Prompt(int[]? ids, string? text, string field, string where)
    {
        if (ids is not null) return ids;
        int[] encoded = Tokenizer.Encode(text!, options.AddBos);
        if (encoded.Length == 0) throw SfcInputException.ForFile(source, $"{where}: \"{field}\" is empty");
        return encoded;
    }

    /// <summary>
    /// The answer's tokens, encoded as prompts are and with one leading BOS stripped (the reference does this so
    /// that tokenizers which always add BOS still give single-token answers). The answer id is the last of them.
    /// </summary>
    private int[] Answer(int? id, string? text)
    {
        if (id is { } given) return [given];
        int[] ids = Tokenizer.Encode(text!, options.AddBos);
        return ids.Length > 0 && ids[0] == Tokenizer.BosId ? ids[1..] : ids;
    }

    /// <summary>encode(prefix + answer) == encode(prefix) ++ [answer id]; examples given as ids cannot be checked.</summary>
    private bool ConsistentlyTokenized(string? prefix, int[]? givenPromptIds, string? answer, int? givenAnswerId, int[] promptIds, int answerId)
    {
        if (givenPromptIds is not null || givenAnswerId is not null) return true;
        int[] full = Tokenizer.Encode(prefix! + answer!, options.AddBos);
        return full.Length == promptIds.Length + 1 && full.AsSpan(0, promptIds.Length).SequenceEqual(promptIds) && full[^1] == answerId;
    }

    private ITokenizer Tokenizer => tokenizer ?? throw new InvalidOperationException("text fields were validated to come with a tokenizer");
}
