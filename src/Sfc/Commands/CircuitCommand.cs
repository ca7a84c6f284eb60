using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using SparseCircuits;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
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
        var method = new Option<string>("--method") { Description = "ig | atp | exact", DefaultValueFactory = _ => "ig" };
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
        if (s.BatchSize < 1) throw new SfcInputException("--batch-size must be at least 1");
        if (s.Steps < 1) throw new SfcInputException("--steps must be at least 1");
        if (!s.UseNeurons && s.Dictionaries is null) throw new SfcInputException("give --dictionaries DIR (or --use-neurons)");
        var timings = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();

        var transformer = ModelLoader.Load(s.Model);
        var dicts = s.UseNeurons ? DictionarySet.Identity(transformer.Config) : DictionarySet.Load(s.Dictionaries!, transformer.Config);
        var tok = ExampleInputs.LoadTokenizer(s.Model, s.Tokenizer);
        timings["load"] = Lap(clock);

        var loaded = ExampleLoader.Load(s.Data, tok, new ExampleLoadOptions { Count = s.Examples, VocabSize = transformer.Config.VocabSize });
        console.MarkupLineInterpolated($"[bold]data[/]: {loaded.Report.Summary}");
        if (loaded.Examples.Count == 0) throw SfcInputException.ForFile(s.Data, "no example passes the filters");
        if (s.Aggregation == NodeAggregation.None && loaded.Length is null)
            throw SfcInputException.ForFile(s.Data, "aggregation 'none' needs every example to have the same token length (use --aggregation sum)");
        var batches = ExampleBatches.Split(loaded.Examples, s.BatchSize);
        timings["data"] = Lap(clock);

        var options = new AttributionOptions { Method = s.Method, Steps = s.Steps };
        var accumulator = new EffectAccumulator(s.Aggregation);
        var perSite = dicts.Sites.ToDictionary(x => x, _ => 0.0);
        string? edgesSkipped = s.NodesOnly ? "not requested (--nodes-only)"
            : s.Method == AttributionMethod.Exact ? "not computed (exact patching has no gradients)"
            : s.Aggregation == NodeAggregation.Last ? "not computed (aggregation 'last' has no edge form)" : null;
        var edgeAttributor = edgesSkipped is null ? new EdgeAttributor(transformer, dicts, s.Aggregation, loaded.Length ?? 0, s.NodeThreshold) : null;
        var perEdge = new Dictionary<string, double>();
        console.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"nodes ({AttributionMethods.Name(s.Method)})", maxValue: batches.Count * dicts.Count);
            var siteClock = Stopwatch.StartNew();
            foreach (var batch in batches)
            {
                siteClock.Restart();
                var result = NodeAttributor.Attribute(transformer, dicts, batch, options, site =>
                {
                    perSite[site] += Lap(siteClock);
                    task.Increment(1);
                });
                accumulator.Add(result);
                if (edgeAttributor is null) continue;
                siteClock.Restart();
                edgeAttributor.Add(result, options.Forward, type => perEdge[type.Key] = perEdge.GetValueOrDefault(type.Key) + Lap(siteClock));
            }
        });
        timings["nodes"] = Lap(clock);
        foreach (var (site, seconds) in perSite) timings[$"nodes.{site}"] = seconds;
        foreach (var (key, seconds) in perEdge) timings[$"edges.{key}"] = seconds;

        var extra = new Dictionary<string, JsonElement>
        {
            ["edges"] = JsonSerializer.SerializeToElement(edgesSkipped ?? "computed (stop-gradient edge types, algorithm §5.3)"),
            ["examples_report"] = JsonSerializer.SerializeToElement(loaded.Report.Summary),
        };
        var metadata = new CircuitMetadata
        {
            Model = s.Model,
            Dictionaries = s.UseNeurons ? DictionarySet.NeuronsName : s.Dictionaries!,
            Data = s.Data,
            Method = AttributionMethods.Name(s.Method),
            Steps = s.Method == AttributionMethod.IntegratedGradients ? s.Steps : 1,
            Aggregation = NodeAggregations.Name(s.Aggregation),
            NodeThreshold = s.NodeThreshold,
            EdgeThreshold = s.EdgeThreshold,
            Examples = accumulator.Examples,
            Tokens = s.Aggregation == NodeAggregation.None ? TokenTexts(loaded.Examples[0].CleanIds, tok) : null,
            Metric = accumulator.Metric(),
            Timings = timings,
            Extra = extra,
        };
        var nodeEffects = accumulator.Result();
        var edges = edgeAttributor is null ? [] : edgeAttributor.Finish().Concat(OutputEdges(nodeEffects, transformer.Config.Layers)).ToList();
        var circuit = new Circuit(metadata, nodeEffects, edges);
        CircuitWriter.Write(circuit, s.Out);
        timings["write"] = Lap(clock);
        Summarize(console, circuit, s, timings);
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

    private static string NoEdges(Settings s) => s.NodesOnly ? "not requested (--nodes-only)" : "not computed";

    /// <summary>resid_last → y: the last residual site's node effects themselves (algorithm §5.5), downstream index 0 at
    /// position S−1 for aggregation "none".</summary>
    private static IEnumerable<EdgeEffects> OutputEdges(IReadOnlyList<NodeEffects> nodes, int layers)
    {
        string last = Site.ResidPost(layers - 1).Name;
        var node = nodes.FirstOrDefault(n => n.Site == last);
        if (node is null) yield break; // no dictionary at the last residual site
        var values = node.Effects.ToArray();
        int width = node.FeatureCount + 1;
        bool positional = node.PositionCount is not null;
        int positions = node.PositionCount ?? 1;
        var indices = new List<long>();
        var kept = new List<float>();
        for (int u = 0; u < values.Length; u++)
        {
            if (values[u] == 0) continue;
            if (positional) indices.AddRange([positions - 1, 0, u / width, u % width]);
            else indices.AddRange([0, u]);
            kept.Add(values[u]);
        }
        yield return new EdgeEffects(node.Site, CircuitVocabulary.Output, indices.ToArray(), kept.ToArray());
    }

    private static string[] TokenTexts(int[] ids, ITokenizer? tok) =>
        ids.Select(id => tok is null ? id.ToString() : tok.TokenText(id)).ToArray();

    private static double Lap(Stopwatch clock)
    {
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }
}
