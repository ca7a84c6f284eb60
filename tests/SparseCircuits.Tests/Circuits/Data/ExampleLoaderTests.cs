using SparseCircuits.Circuits.Data;
using SparseCircuits.Tests.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Data;

/// <summary>
/// ExampleLoader on token-id data: the tiny fixture (its README says what it holds), hand-made records whose
/// outcome is worked out by hand in the comments, and malformed files.
/// </summary>
public class ExampleLoaderTests
{
    private static readonly ExampleLoadOptions Unshuffled = new() { Shuffle = false, Count = null };

    [SharedFact]
    public void Fixture_data_loads_to_16_pairs_of_length_6()
    {
        // fixtures/README.md: 16 paired prompts of 6 token ids; positions 0, 2, 3 are fixed, the patch changes position 1.
        string path = Paths.SharedPath("fixtures", "tiny_gpt2", "data.jsonl");
        var loaded = ExampleLoader.Load(path, tokenizer: null, new ExampleLoadOptions { VocabSize = 97 });

        Assert.Equal(16, loaded.Examples.Count);
        Assert.Equal(6, loaded.Length);
        Assert.True(loaded.IsPaired);
        Assert.Equal("kept 16 of 16 (examined 16; none dropped; 100 requested)", loaded.Report.Summary);
        foreach (var e in loaded.Examples)
        {
            Assert.Equal([e.CleanIds[0], e.CleanIds[2], e.CleanIds[3]], new[] { e.PatchIds![0], e.PatchIds[2], e.PatchIds[3] });
            Assert.NotEqual(e.CleanIds[1], e.PatchIds[1]);
            Assert.NotNull(e.PatchAnswerId);
            Assert.Null(e.CleanText);
        }
    }

    [SharedFact]
    public void Unshuffled_id_data_keeps_the_file_order_and_ids()
    {
        string path = Paths.SharedPath("fixtures", "tiny_gpt2", "data.jsonl");
        var loaded = ExampleLoader.Load(path, null, Unshuffled);
        // The first line of the file, as written there.
        Assert.Equal([92, 83, 91, 90, 66, 23], loaded.Examples[0].CleanIds);
        Assert.Equal([92, 74, 91, 90, 66, 23], loaded.Examples[0].PatchIds!);
        Assert.Equal((96, 95, "singular"), (loaded.Examples[0].CleanAnswerId, loaded.Examples[0].PatchAnswerId!.Value, loaded.Examples[0].Case));
        Assert.Equal(File.ReadLines(path).Count(), loaded.Examples.Count);
    }

    [SharedFact]
    public void Ids_outside_the_vocabulary_are_rejected()
    {
        string path = Paths.SharedPath("fixtures", "tiny_gpt2", "data.jsonl");
        // Line 1 holds id 92 (and answers 96, 95): a vocabulary of 92 ids is too small for it.
        var e = Assert.Throws<SfcInputException>(() => ExampleLoader.Load(path, null, new ExampleLoadOptions { VocabSize = 92 }));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 1:", e.Message);
    }

    // Prompts of these lengths, in this order; every id is the position in the list, so outcomes are easy to read.
    private static ExampleRecord[] OfLengths(params int[] lengths) => lengths.Select((n, i) => new ExampleRecord
    {
        CleanIds = Enumerable.Repeat(i, n).ToArray(),
        PatchIds = Enumerable.Repeat(i + 100, n).ToArray(),
        CleanAnswerId = 1000 + i,
        PatchAnswerId = 2000 + i,
        Case = $"#{i}",
    }).ToArray();

    [Fact]
    public void Minimum_seen_so_far_restarts_on_each_shorter_example()
    {
        // Lengths 3 3 2 4 2 1 1: keep #0 #1 (3); #2 restarts (drops 2) with 2; #3 is longer; #4 joins;
        // #5 restarts (drops #2 #4) with 1; #6 joins. Kept #5 #6; 1 too long; 4 discarded by restarts.
        var loaded = ExampleLoader.Load(OfLengths(3, 3, 2, 4, 2, 1, 1), null, Unshuffled);
        Assert.Equal(["#5", "#6"], loaded.Examples.Select(e => e.Case));
        Assert.Equal(1, loaded.Length);
        Assert.Equal((7, 2, 1, 4), (loaded.Report.Examined, loaded.Report.Kept, loaded.Report.WrongLength, loaded.Report.DiscardedByRestart));
    }

    [Fact]
    public void Minimum_seen_so_far_stops_as_soon_as_enough_are_kept()
    {
        // As the reference: with N = 2 it returns #0 #1 (length 3) without looking at the shorter ones after them.
        var loaded = ExampleLoader.Load(OfLengths(3, 3, 2, 4, 2, 1, 1), null, Unshuffled with { Count = 2 });
        Assert.Equal(["#0", "#1"], loaded.Examples.Select(e => e.Case));
        Assert.Equal((7, 2, 2), (loaded.Report.Lines, loaded.Report.Examined, loaded.Report.Kept));
        Assert.False(loaded.Report.IsShort);
    }

    [Fact]
    public void Exact_and_any_length_policies()
    {
        var exact = ExampleLoader.Load(OfLengths(3, 3, 2, 4, 2, 1, 1), null, Unshuffled with { LengthPolicy = new LengthPolicy.Exact(2) });
        Assert.Equal(["#2", "#4"], exact.Examples.Select(e => e.Case));
        Assert.Equal((5, 0), (exact.Report.WrongLength, exact.Report.DiscardedByRestart));

        var any = ExampleLoader.Load(OfLengths(3, 3, 2, 4, 2, 1, 1), null, Unshuffled with { LengthPolicy = new LengthPolicy.Any(), Count = 4 });
        Assert.Equal(["#0", "#1", "#2", "#3"], any.Examples.Select(e => e.Case));
        Assert.Null(any.Length);
    }

    [Fact]
    public void Shuffle_takes_records_in_python_order()
    {
        // Python: l = list(range(10)); random.Random(12).shuffle(l) gives [8, 9, 6, 2, 0, 3, 1, 5, 4, 7]
        // (see python_random.golden.json, seed 12, n 10).
        var records = OfLengths(Enumerable.Repeat(2, 10).ToArray());
        var loaded = ExampleLoader.Load(records, null, new ExampleLoadOptions { Count = null });
        Assert.Equal(new[] { 8, 9, 6, 2, 0, 3, 1, 5, 4, 7 }.Select(i => $"#{i}"), loaded.Examples.Select(e => e.Case));
    }

    [Fact]
    public void Too_few_passing_is_reported_or_fails_when_required()
    {
        var records = OfLengths(2, 2, 3);
        var loaded = ExampleLoader.Load(records, null, new ExampleLoadOptions { Count = 5, Shuffle = false });
        Assert.True(loaded.Report.IsShort);
        Assert.Equal("kept 2 of 3 (examined 3; dropped: 1 other length; 5 requested)", loaded.Report.Summary);

        var e = Assert.Throws<SfcInputException>(() =>
            ExampleLoader.Load(records, null, new ExampleLoadOptions { Count = 5, RequireCount = true }, source: "mine"));
        Assert.StartsWith("mine: only 2 of the 5", e.Message);
    }

    [Fact]
    public void Unpaired_records_have_no_patch()
    {
        ExampleRecord[] records =
        [
            new() { CleanIds = [5, 6, 7], CleanAnswerId = 8 },
            new() { CleanIds = [1, 2], CleanAnswerId = 3, PatchAnswerId = 4 },
        ];
        var loaded = ExampleLoader.Load(records, null, Unshuffled with { LengthPolicy = new LengthPolicy.Any() });
        Assert.False(loaded.IsPaired);
        Assert.All(loaded.Examples, e => Assert.Null(e.PatchIds));
        Assert.All(loaded.Examples, e => Assert.Null(e.PatchAnswerId));
        Assert.Equal([8, 3], loaded.Examples.Select(e => e.CleanAnswerId));
    }

    [Fact]
    public void Answers_given_as_ids_are_single_tokens_and_ids_skip_the_tokenization_check()
    {
        // Prompt and answer as ids with a tokenizer absent: nothing to tokenize, nothing to check.
        var loaded = ExampleLoader.Load(
            [new ExampleRecord { CleanIds = [1, 2], PatchIds = [3, 4], CleanAnswerId = 5, PatchAnswerId = 6, CleanPrefix = "a b" }],
            null, Unshuffled);
        Assert.Equal("a b", loaded.Examples.Single().CleanText);
        Assert.Equal([1, 2], loaded.Examples.Single().CleanIds);
    }

    [Fact]
    public void Options_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthPolicy.Exact(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExampleLoader.Load(OfLengths(1), null, new ExampleLoadOptions { Count = 0 }));
        Assert.Equal(new LengthPolicy.Exact(6), ExampleLoadOptions.PaperEra(40, 6).LengthPolicy);
        Assert.False(ExampleLoadOptions.PaperEra(40, 6).CheckAnswerTokenization);
        Assert.Equal(new ExampleLoadOptions(), ExampleLoadOptions.Head(100));
    }

    public static TheoryData<string, string> MalformedFiles() => new()
    {
        { "", "no examples" },
        { "\n  \n", "no examples" },
        { "{\"clean_ids\": [1], \"clean_answer_id\": 2}\n{not json}\n", "line 2: not JSON" },
        { "[1, 2]\n", "line 1: expected a JSON object" },
        { "{\"clean_ids\": [1, 2]}\n", "line 1: missing \"clean_answer\" (or \"clean_answer_id\")" },
        { "{\"clean_answer_id\": 3}\n", "line 1: missing \"clean_prefix\" (or \"clean_ids\")" },
        { "{\"clean_ids\": [1], \"patch_ids\": [2], \"clean_answer_id\": 3}\n", "line 1: missing \"patch_answer\" (or \"patch_answer_id\")" },
        { "{\"clean_prefix\": \"The keys\", \"clean_answer\": \" are\"}\n", "line 1: \"clean_prefix\" is text, which needs a tokenizer (or give \"clean_ids\")" },
        { "{\"clean_ids\": [1], \"clean_answer\": \" are\"}\n", "line 1: \"clean_answer\" is text, which needs a tokenizer" },
        { "{\"clean_ids\": [1, -4], \"clean_answer_id\": 3}\n", "line 1: \"clean_ids\" has a negative token id (-4)" },
        { "{\"clean_ids\": [], \"clean_answer_id\": 3}\n", "line 1: \"clean_ids\" is empty" },
        { "{\"clean_ids\": [1.5], \"clean_answer_id\": 3}\n", "line 1: \"clean_ids\" must be integer token ids, found 1.5" },
        { "{\"clean_ids\": \"1 2\", \"clean_answer_id\": 3}\n", "line 1: \"clean_ids\" must be an array of token ids" },
        { "{\"clean_prefix\": 7, \"clean_answer_id\": 3}\n", "line 1: \"clean_prefix\" must be a string, found 7" },
        { "{\"clean_ids\": [1], \"clean_answer_id\": 3}\n\n{\"clean_ids\": [1], \"patch_ids\": [2], \"clean_answer_id\": 3, \"patch_answer_id\": 4}\n",
          "line 3: has a patch prompt, but earlier examples are unpaired" },
        { "{\"clean_ids\": [1], \"patch_ids\": [2], \"clean_answer_id\": 3, \"patch_answer_id\": 4}\r\n{\"clean_ids\": [1], \"clean_answer_id\": 3}\r\n",
          "line 2: no \"patch_prefix\" or \"patch_ids\", but earlier examples are pairs" },
        { "{\"clean_ids\": [1], \"clean_answer_id\": 99}\n", "line 1: \"clean_answer_id\" has token id 99, outside the vocabulary of 50" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_files_fail_naming_file_and_line(string content, string problem)
    {
        using var folder = new TempFolder();
        string path = folder.Write("data.jsonl", System.Text.Encoding.UTF8.GetBytes(content));
        var e = Assert.Throws<SfcInputException>(() => ExampleLoader.Load(path, null, new ExampleLoadOptions { VocabSize = 50 }));
        Assert.StartsWith($"{path}: {problem}", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<SfcInputException>(() => ExampleLoader.Load("/nonexistent/sva.json", null, new ExampleLoadOptions()));
        Assert.Equal("/nonexistent/sva.json: no such data file", e.Message);
    }

    [Fact]
    public void Records_in_memory_fail_naming_the_record()
    {
        var e = Assert.Throws<SfcInputException>(() =>
            ExampleLoader.Load([new ExampleRecord { CleanIds = [1], CleanAnswerId = 2 }, new ExampleRecord { CleanIds = [1] }], null, Unshuffled, "mine"));
        Assert.Equal("mine: record 2: missing \"clean_answer\" (or \"clean_answer_id\")", e.Message);
    }
}
