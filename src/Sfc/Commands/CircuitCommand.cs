using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Discovery;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Models.Tokenizers;

namespace Sfc.Commands;

/// <summary><c>sfc circuit</c>: node effects of every dictionary feature on a data set, written as a circuit file.</summary>
public static class CircuitCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json + weights) or llama2.c .bin file", Required = true };
        var dictionaries = new Option<string?>("--dictionaries") { Description = "Folder with one dictionary sub-folder per site" };
        var data = new Option<string>("--data") { Description = "JSON-lines examples (clean_prefix/patch_prefix/... or token ids)", Required = true };
        var examples = new Option<int>("--examples") { Description = "How many examples", DefaultValueFactory = _ => 100 };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per batch", DefaultValueFactory = _ => 32 };
        var method = new Option<string>("--method") { Description = "ig | atp | exact (exact: node effects only, with --nodes-only)", DefaultValueFactory = _ => "ig" };
        var steps = new Option<int>("--steps") { Description = "Integrated-gradient steps", DefaultValueFactory = _ => 10 };
        var aggregation = new Option<string>("--aggregation") { Description = "sum | none | last", DefaultValueFactory = _ => "sum" };
        var nodeThreshold = new Option<double>("--node-threshold") { Description = "T_N: nodes with |effect| > T_N", DefaultValueFactory = _ => 0.2 };
        var edgeThreshold = new Option<double>("--edge-threshold") { Description = "T_E: edges with |weight| > T_E", DefaultValueFactory = _ => 0.02 };
        var nodesOnly = new Option<bool>("--nodes-only") { Description = "Compute node effects only" };
        var useNeurons = new Option<bool>("--use-neurons") { Description = "Identity dictionaries at every site (neuron circuits)" };
        var output = new Option<string>("--out") { Description = "circuit.json path (circuit.safetensors beside it)", DefaultValueFactory = _ => "circuit.json" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file or folder (default: the model folder)" };
        var cmd = new Command("circuit", "Find a sparse feature circuit: node effects of dictionary features on a data set.")
        {
            model, dictionaries, data, examples, batchSize, method, steps, aggregation, nodeThreshold, edgeThreshold, nodesOnly, useNeurons, output, tokenizer,
        };
        cmd.SetAction(parse =>
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(parse.InvocationConfiguration.Output) });
            var settings = new Settings(
                parse.GetValue(model)!, parse.GetValue(dictionaries), parse.GetValue(data)!, parse.GetValue(examples), parse.GetValue(batchSize),
                AttributionMethods.Parse(parse.GetValue(method)!), parse.GetValue(steps), NodeAggregations.Parse(parse.GetValue(aggregation)!),
                parse.GetValue(nodeThreshold), parse.GetValue(edgeThreshold), parse.GetValue(nodesOnly), parse.GetValue(useNeurons),
                parse.GetValue(output)!, parse.GetValue(tokenizer));
            Run(settings, console);
            return 0;
        });
        return cmd;
    }

    private sealed record Settings(string Model, string? Dictionaries, string Data, int Examples, int BatchSize, AttributionMethod Method,
        int Steps, NodeAggregation Aggregation, double NodeThreshold, double EdgeThreshold, bool NodesOnly, bool UseNeurons, string Out, string? Tokenizer);

    private static void Run(Settings s, IAnsiConsole console)
    {
        if (s.Examples < 1) throw new SfcInputException("--examples must be at least 1");
        if (!s.UseNeurons && s.Dictionaries is null) throw new SfcInputException("give --dictionaries DIR (or --use-neurons)");
        var options = new DiscoveryOptions
        {
            Attribution = new AttributionOptions { Method = s.Method, Steps = s.Steps },
            Aggregation = s.Aggregation,
            NodeThreshold = s.NodeThreshold,
            EdgeThreshold = s.EdgeThreshold,
            NodesOnly = s.NodesOnly,
            BatchSize = s.BatchSize,
        };
        if (options.Problem() is { } problem) throw new SfcInputException(problem);
        PrepareOutputFolder(s.Out);
        var timings = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();

        var transformer = ModelLoader.Load(s.Model);
        var tok = ExampleInputs.LoadTokenizer(s.Model, s.Tokenizer);
        timings["model"] = Lap(clock);
        var dicts = s.UseNeurons ? DictionarySet.Identity(transformer.Config) : DictionarySet.Load(s.Dictionaries!, transformer.Config);
        timings["dictionaries"] = Lap(clock);

        var loaded = ExampleLoader.Load(s.Data, tok, new ExampleLoadOptions { Count = s.Examples, VocabSize = transformer.Config.VocabSize });
        console.MarkupLineInterpolated($"[bold]data[/]: {loaded.Report.Summary}");
        if (loaded.Examples.Count == 0) throw SfcInputException.ForFile(s.Data, "no example passes the filters");
        if (s.Aggregation == NodeAggregation.None && loaded.Length is null)
            throw SfcInputException.ForFile(s.Data, "aggregation 'none' needs every example to have the same token length (use --aggregation sum)");
        timings["data"] = Lap(clock);

        var result = DiscoveryProgress.Show(console, AttributionMethods.Name(s.Method), progress =>
            CircuitDiscovery.Discover(transformer, dicts, loaded.Examples, options, progress));
        var circuit = result.ToCircuit(s.Model, s.UseNeurons ? DictionarySet.NeuronsName : s.Dictionaries!, s.Data,
            TokenTexts(loaded.Examples[0].CleanIds, tok), timings,
            new Dictionary<string, JsonElement> { ["examples_report"] = JsonSerializer.SerializeToElement(loaded.Report.Summary) });
        clock.Restart();
        CircuitWriter.Write(circuit, s.Out);
        var allTimings = new Dictionary<string, double>(circuit.Metadata.Timings) { ["write"] = Lap(clock) };
        Summarize(console, circuit, s, allTimings);
    }

    private static void Summarize(IAnsiConsole console, Circuit circuit, Settings s, Dictionary<string, double> timings)
    {
        var selection = circuit.Threshold();
        var table = new Table().AddColumn("site").AddColumn("nodes > T_N").AddColumn("top nodes (|effect|)");
        foreach (var site in circuit.Nodes)
        {
            var nodes = selection.Nodes.Where(n => n.Site == site.Site).ToList();
            var top = nodes.OrderByDescending(n => MathF.Abs(n.Effect)).Take(5).Select(n => $"{n.Id} {n.Effect:+0.000;-0.000}");
            table.AddRow(Markup.Escape(site.Site), nodes.Count.ToString(), Markup.Escape(string.Join(", ", top)));
        }
        console.Write(table);
        var m = circuit.Metadata.Metric;
        console.MarkupLineInterpolated($"metric: clean {m.Clean:F4}, patch {m.Patch:F4}; {selection.Nodes.Count} nodes over T_N = {s.NodeThreshold} from {circuit.Metadata.Examples} examples");
        console.MarkupLineInterpolated($"edges: {(circuit.Edges.Count == 0 ? NoEdges(s) : $"{circuit.Edges.Count} edge types, {circuit.Edges.Sum(e => e.Count)} nonzero entries")}");
        console.MarkupLineInterpolated($"timings: {string.Join(", ", timings.Where(t => !t.Key.Contains('.')).Select(t => $"{t.Key} {t.Value:F2}s"))}");
        console.MarkupLineInterpolated($"wrote {s.Out} and {CircuitFilePaths.SafetensorsFor(s.Out)}");
    }

    /// <summary>Creates the folder of <c>--out</c> before any work, so that a bad path fails in the first second rather
    /// than after the whole computation.</summary>
    private static void PrepareOutputFolder(string output)
    {
        if (string.IsNullOrWhiteSpace(output)) throw new SfcInputException("--out needs a file name");
        string full = Path.GetFullPath(output);
        if (Directory.Exists(full)) throw new SfcInputException($"--out {output} is a folder; give a file name such as {Path.Combine(output, "circuit.json")}");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SfcInputException($"--out {output}: cannot create its folder ({e.Message})");
        }
    }

    private static string NoEdges(Settings s) => s.NodesOnly ? "not requested (--nodes-only)" : "not computed";

    private static string[] TokenTexts(int[] ids, ITokenizer? tok) =>
        ids.Select(id => tok is null ? id.ToString() : tok.TokenText(id)).ToArray();

    private static double Lap(Stopwatch clock)
    {
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }
}
