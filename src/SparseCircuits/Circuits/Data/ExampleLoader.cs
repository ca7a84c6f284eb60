using SparseCircuits.Models.Tokenizers;

namespace SparseCircuits.Circuits.Data;

/// <summary>
/// Loads the examples that circuit discovery and evaluation run on, as the reference <c>load_examples</c> does:
/// shuffle the lines with Python's <c>random.Random(seed)</c>, drop examples whose answers are not single tokens,
/// whose clean and patch prompts differ in length, whose prefix + answer tokenizes differently from the prefix's
/// tokens followed by the answer token (HEAD), or whose length the policy rejects; take the first N that pass.
/// </summary>
public static class ExampleLoader
{
    /// <summary>Loads a JSON-lines data file (see <see cref="ExampleRecord"/> for its fields).</summary>
    /// <param name="tokenizer">Needed when the file gives text rather than token ids.</param>
    /// <exception cref="SfcInputException">A missing or empty file, a line that is not a JSON object, a missing
    /// field, text without a tokenizer, an id outside the vocabulary, or (with <see cref="ExampleLoadOptions.RequireCount"/>)
    /// too few examples passing — naming the file and line.</exception>
    public static LoadedExamples Load(string path, ITokenizer? tokenizer, ExampleLoadOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Select(ExampleLineReader.Read(path), path, tokenizer, options);
    }

    /// <summary>Loads records held in memory; errors name <paramref name="source"/> and the record's 1-based position.</summary>
    public static LoadedExamples Load(IEnumerable<ExampleRecord> records, ITokenizer? tokenizer, ExampleLoadOptions options, string source = "examples")
    {
        ArgumentNullException.ThrowIfNull(records);
        var numbered = records.Select((r, i) => new NumberedRecord($"record {i + 1}", r ?? throw new ArgumentException($"record {i + 1} is null", nameof(records)))).ToList();
        if (numbered.Count == 0) throw SfcInputException.ForFile(source, "no examples");
        return Select(numbered, source, tokenizer, options);
    }

    private static LoadedExamples Select(List<NumberedRecord> records, string source, ITokenizer? tokenizer, ExampleLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Count is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Count, "Count must be at least 1 (or null for all)");
        RecordValidator.Validate(records, source, tokenizer, options);

        if (options.Shuffle) new PythonRandom(options.Seed).Shuffle(records);
        var encoder = new ExampleEncoder(tokenizer, source, options);
        var selection = new LengthSelection(options.LengthPolicy);
        var drops = new int[Enum.GetValues<DropReason>().Length];
        int examined = 0;
        foreach (var record in records)
        {
            if (selection.Kept.Count >= options.Count) break;
            examined++;
            var (example, drop) = encoder.Encode(record);
            if (drop is { } reason) drops[(int)reason]++;
            else selection.Offer(example!);
        }

        var kept = selection.Kept.ToArray();
        var report = new LoadReport(source, records.Count, options.Count, examined, kept.Length,
            drops[(int)DropReason.MultiTokenAnswer], drops[(int)DropReason.PrefixLengthMismatch],
            drops[(int)DropReason.InconsistentTokenization], selection.WrongLength, selection.DiscardedByRestart);
        if (options.RequireCount && report.IsShort)
            throw SfcInputException.ForFile(source, $"only {kept.Length} of the {options.Count} examples asked for pass the filters ({report.Summary})");
        return new LoadedExamples(kept, CommonLength(kept), report);
    }

    private static int? CommonLength(PromptExample[] examples) =>
        examples.Length > 0 && examples.All(e => e.Length == examples[0].Length) ? examples[0].Length : null;
}
