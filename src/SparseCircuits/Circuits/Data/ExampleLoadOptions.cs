namespace SparseCircuits.Circuits.Data;

/// <summary>How <see cref="ExampleLoader"/> picks examples. The defaults are the reference (HEAD) ones.</summary>
public sealed record ExampleLoadOptions
{
    /// <summary>How many examples to keep (the first that pass the filters); null keeps every one that passes.</summary>
    public int? Count { get; init; } = 100;

    /// <summary>The seed of the Python <c>random</c> shuffle of the lines.</summary>
    public int Seed { get; init; } = 12;

    /// <summary>Shuffle the lines before filtering, as the reference does (<c>random.Random(Seed).shuffle</c>).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Which prompt lengths to keep.</summary>
    public LengthPolicy LengthPolicy { get; init; } = new LengthPolicy.MinimumSeenSoFar();

    /// <summary>
    /// Drop an example unless prefix + answer tokenizes as the prefix's tokens followed by the answer token
    /// (HEAD does; the paper era did not). Only examples given as text can be checked.
    /// </summary>
    public bool CheckAnswerTokenization { get; init; } = true;

    /// <summary>
    /// Start text prompts with the tokenizer's BOS (as Gemma's tokenizer does by itself). Answers are tokenized
    /// the same way and a leading BOS stripped, so answer ids do not change. Prompts given as ids are used as they are.
    /// </summary>
    public bool AddBos { get; init; }

    /// <summary>
    /// Fail (<see cref="SfcInputException"/>) when fewer than <see cref="Count"/> examples pass. Off: the loader
    /// returns those that passed and its report says so (the reference returned None instead).
    /// </summary>
    public bool RequireCount { get; init; }

    /// <summary>When set, token ids given in the data must be below it (the model's vocabulary size).</summary>
    public int? VocabSize { get; init; }

    /// <summary>The reference (HEAD) settings: shuffle with seed 12, shortest length seen so far, tokenization check.</summary>
    public static ExampleLoadOptions Head(int count) => new() { Count = count };

    /// <summary>The paper-era settings: shuffle with seed 12, prompts of exactly <paramref name="length"/> tokens, no tokenization check.</summary>
    public static ExampleLoadOptions PaperEra(int count, int length) =>
        new() { Count = count, LengthPolicy = new LengthPolicy.Exact(length), CheckAnswerTokenization = false };
}
