using System.Text.Json;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits.Data;

/// <summary>
/// ExampleLoader with Pythia's tokenizer against TestData/data/sva_examples.golden.json, which
/// tools/golden/make-example-golden.mjs made with CPython's shuffle, tokenizers.js and the filter rules written out
/// again in JavaScript: the SVA files of ../shared/data/sva and the hand-written crafted_*.jsonl beside the golden file.
/// </summary>
public class ExampleLoaderGoldenTests
{
    private static readonly Lazy<ITokenizer> Neox = new(() =>
        TokenizerLoader.Load(Paths.SharedPath("data", "tokenizers", "gpt-neox-20b", "tokenizer.json")));

    private static readonly Lazy<JsonElement[]> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Paths.TestData("data", "sva_examples.golden.json")))
            .RootElement.GetProperty("cases").EnumerateArray().ToArray());

    public static TheoryData<int, string> CaseIndices()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < Cases.Value.Length; i++) data.Add(i, Describe(Cases.Value[i]));
        return data;
    }

    [SharedTheory]
    [MemberData(nameof(CaseIndices))]
    public void Keeps_the_golden_examples(int index, string description)
    {
        var golden = Cases.Value[index];
        string file = golden.GetProperty("file").GetString()!;
        string path = file.StartsWith("sva/", StringComparison.Ordinal) ? Paths.SharedPath("data", file) : Paths.TestData("data", file);

        var loaded = ExampleLoader.Load(path, Neox.Value, Options(golden));

        var expected = golden.GetProperty("examples").EnumerateArray().ToArray();
        string[] lines = File.ReadAllLines(path);
        Assert.True(expected.Length == loaded.Examples.Count, $"{description}: {loaded.Report.Summary}");
        for (int i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var actual = loaded.Examples[i];
            string at = $"{description}, example {i} (line {e.GetProperty("line").GetInt32()})";
            Assert.True(Ints(e.GetProperty("clean_ids")).SequenceEqual(actual.CleanIds), at);
            Assert.True(e.GetProperty("patch_ids").ValueKind == JsonValueKind.Null
                ? actual.PatchIds is null
                : Ints(e.GetProperty("patch_ids")).SequenceEqual(actual.PatchIds!), at);
            Assert.Equal(e.GetProperty("clean_answer_id").GetInt32(), actual.CleanAnswerId);
            Assert.Equal(NullableInt(e.GetProperty("patch_answer_id")), actual.PatchAnswerId);
            Assert.Equal(e.GetProperty("case").GetString(), actual.Case);
            // The texts are those of the line the golden example came from.
            using var line = JsonDocument.Parse(lines[e.GetProperty("line").GetInt32() - 1]);
            Assert.Equal(line.RootElement.GetProperty("clean_prefix").GetString(), actual.CleanText);
            Assert.Equal(line.RootElement.TryGetProperty("patch_prefix", out var p) ? p.GetString() : null, actual.PatchText);
        }

        var r = golden.GetProperty("report");
        var report = loaded.Report;
        Assert.Equal(
            (r.GetProperty("lines").GetInt32(), r.GetProperty("examined").GetInt32(), r.GetProperty("kept").GetInt32(),
             r.GetProperty("multi_token_answer").GetInt32(), r.GetProperty("prefix_length_mismatch").GetInt32(),
             r.GetProperty("inconsistent_tokenization").GetInt32(), r.GetProperty("wrong_length").GetInt32(),
             r.GetProperty("discarded_by_restart").GetInt32()),
            (report.Lines, report.Examined, report.Kept, report.MultiTokenAnswer, report.PrefixLengthMismatch,
             report.InconsistentTokenization, report.WrongLength, report.DiscardedByRestart));

        var lengths = expected.Select(e => e.GetProperty("clean_ids").GetArrayLength()).Distinct().ToArray();
        Assert.Equal(lengths.Length == 1 ? lengths[0] : null, loaded.Length);
    }

    [SharedFact]
    public void Golden_cases_cover_every_filter()
    {
        // So that the theory above does test each rule: some golden case drops examples for each reason.
        string[] reasons = ["multi_token_answer", "prefix_length_mismatch", "inconsistent_tokenization", "wrong_length", "discarded_by_restart"];
        foreach (var reason in reasons)
            Assert.Contains(Cases.Value, c => c.GetProperty("report").GetProperty(reason).GetInt32() > 0);
    }

    private static ExampleLoadOptions Options(JsonElement golden)
    {
        var policy = golden.GetProperty("policy");
        return new ExampleLoadOptions
        {
            Count = NullableInt(golden.GetProperty("count")),
            Seed = golden.GetProperty("seed").GetInt32(),
            CheckAnswerTokenization = golden.GetProperty("check_tokenization").GetBoolean(),
            AddBos = golden.GetProperty("add_bos").GetBoolean(),
            LengthPolicy = policy.GetProperty("kind").GetString() switch
            {
                "minimum" => new LengthPolicy.MinimumSeenSoFar(),
                "exact" => new LengthPolicy.Exact(policy.GetProperty("length").GetInt32()),
                "any" => new LengthPolicy.Any(),
                var k => throw new InvalidDataException($"unknown policy {k}"),
            },
        };
    }

    private static string Describe(JsonElement c) =>
        $"{c.GetProperty("file").GetString()} {c.GetProperty("policy").GetRawText()} n={c.GetProperty("count").GetRawText()} " +
        $"seed={c.GetProperty("seed").GetInt32()}{(c.GetProperty("add_bos").GetBoolean() ? " bos" : "")}";

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();
}
