using SparseCircuits.Models.Tokenizers;

namespace SparseCircuits.Circuits.Data;

/// <summary>
/// Checks every record before any is used, so that a malformed file fails at once (naming the line) rather than
/// after the lines that happen to be shuffled first.
/// </summary>
internal static class RecordValidator
{
    public static void Validate(IReadOnlyList<NumberedRecord> records, string source, ITokenizer? tokenizer, ExampleLoadOptions options)
    {
        if (options.AddBos && tokenizer is not null && tokenizer.BosId is null)
            throw SfcInputException.ForFile(source, "prompts should start with BOS, but the tokenizer has no BOS token");
        bool paired = records[0].Record.IsPaired;
        foreach (var (where, r) in records)
        {
            SfcInputException Fail(string problem) => SfcInputException.ForFile(source, $"{where}: {problem}");

            if (r.IsPaired != paired)
                throw Fail(paired
                    ? "no \"patch_prefix\" or \"patch_ids\", but earlier examples are pairs (a file must be all pairs or all unpaired)"
                    : "has a patch prompt, but earlier examples are unpaired (a file must be all pairs or all unpaired)");
            Require(r.CleanIds, r.CleanPrefix, "clean_ids", "clean_prefix");
            Require(r.CleanAnswerId, r.CleanAnswer, "clean_answer_id", "clean_answer");
            if (paired)
            {
                Require(r.PatchIds, r.PatchPrefix, "patch_ids", "patch_prefix");
                Require(r.PatchAnswerId, r.PatchAnswer, "patch_answer_id", "patch_answer");
            }
            CheckIds(r.CleanIds, "clean_ids");
            CheckIds(r.PatchIds, "patch_ids");
            if (r.CleanAnswerId is { } c) CheckIds([c], "clean_answer_id");
            if (paired && r.PatchAnswerId is { } p) CheckIds([p], "patch_answer_id");

            void Require(object? ids, string? text, string idsName, string textName)
            {
                if (ids is not null) return;
                if (text is null) throw Fail($"missing \"{textName}\" (or \"{idsName}\")");
                if (tokenizer is null) throw Fail($"\"{textName}\" is text, which needs a tokenizer (or give \"{idsName}\")");
            }

            void CheckIds(int[]? ids, string name)
            {
                if (ids is null) return;
                if (ids.Length == 0) throw Fail($"\"{name}\" is empty");
                foreach (int id in ids)
                {
                    if (id < 0) throw Fail($"\"{name}\" has a negative token id ({id})");
                    if (options.VocabSize is { } v && id >= v) throw Fail($"\"{name}\" has token id {id}, outside the vocabulary of {v}");
                }
            }
        }
    }
}
