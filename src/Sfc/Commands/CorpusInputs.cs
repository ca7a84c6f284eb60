using System.CommandLine;
using SparseCircuits;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;

namespace Sfc.Commands;

/// <summary>
/// The options train-sae and sae-eval share: the model, its tokenizer, the corpus files and the context length; and
/// turning them into fixed-length token contexts.
/// </summary>
internal sealed class CorpusInputs
{
    public Option<string> Model { get; } = new("--model") { Description = "Model folder (config.json + weights) or llama2.c .bin file", Required = true };

    public Option<string[]> Corpus { get; } = new("--corpus")
    {
        Description = "Corpus files: text (documents separated by <|endoftext|>) or JSON lines {\"ids\":[...]}",
        AllowMultipleArgumentsPerToken = true,
        Required = true,
    };

    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "Tokenizer file or folder (default: the model's folder)" };

    public Option<int> Context { get; } = new("--context") { Description = "Tokens per context", DefaultValueFactory = _ => 128 };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Corpus);
        command.Options.Add(Tokenizer);
        command.Options.Add(Context);
    }

    /// <summary>The corpus paths as given, each checked to exist.</summary>
    public IReadOnlyList<string> CorpusPaths(ParseResult parse)
    {
        var paths = parse.GetValue(Corpus) ?? [];
        if (paths.Length == 0) throw new SfcInputException("--corpus: give at least one corpus file");
        foreach (var p in paths)
            if (!File.Exists(p)) throw SfcInputException.ForFile(p, "no such corpus file");
        return paths;
    }

    /// <summary>The tokenizer named by --tokenizer, else one found beside the model (its folder, or tok*.bin /
    /// tokenizer.bin next to a llama2.c file), else null (then only token-id corpora can be read).</summary>
    public ITokenizer? LoadTokenizer(ParseResult parse)
    {
        if (parse.GetValue(Tokenizer) is { } explicitPath) return TokenizerLoader.Load(explicitPath);
        var modelPath = parse.GetValue(Model)!;
        var folder = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath));
        if (folder is null || !HasTokenizerFiles(folder)) return null;
        return TokenizerLoader.Load(folder);
    }

    /// <summary>The corpus read, tokenised and cut into contexts of --context tokens.</summary>
    public IReadOnlyList<int[]> Contexts(ParseResult parse, Transformer model, IReadOnlyList<string> paths, ITokenizer? tokenizer)
    {
        int length = parse.GetValue(Context);
        if (length < 2 || length > model.Config.MaxPositions)
            throw new SfcInputException($"--context: must be between 2 and the model's {model.Config.MaxPositions} positions, got {length}");
        return TokenCorpus.Load(paths, tokenizer, model.Config.VocabSize).Contexts(length);
    }

    private static bool HasTokenizerFiles(string folder) =>
        new[] { "tokenizer.json", "vocab.json", "encoder.json", "tokenizer.bin" }.Any(f => File.Exists(Path.Combine(folder, f)))
        || Directory.GetFiles(folder, "tok*.bin").Length == 1;
}
