using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SparseCircuits;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Plotting;

namespace Sfc.Commands;

/// <summary><c>sfc plot circuit.json -o circuit.svg|png|dot</c>: draws a circuit with Graphviz (algorithm §11).</summary>
public static class PlotCommand
{
    public static Command Create()
    {
        var circuitArgument = new Argument<string>("circuit") { Description = "The circuit.json written by 'sfc circuit' (its .safetensors beside it)." };
        var output = new Option<string>("-o", "--output") { Description = "The picture to write: .svg, .png, or .dot for the Graphviz text.", Required = true };
        var nodeThreshold = new Option<double?>("--node-threshold") { Description = "Draw nodes with |effect| above this (default: the circuit's own)." };
        var edgeThreshold = new Option<double?>("--edge-threshold") { Description = "Draw edges with |weight| above this (default: the circuit's own)." };
        var annotations = new Option<string?>("--annotations") { Description = "JSON lines of {\"Name\": \"resid_5/3036\", \"Annotation\": \"...\"}: labels for features." };
        var penThickness = new Option<double>("--pen-thickness") { Description = "Edge width per unit of |weight|, in points.", DefaultValueFactory = _ => 1.0 };
        var positiveOnly = new Option<bool>("--positive-only") { Description = "Draw only nodes with a positive effect above the threshold." };
        var dot = new Option<bool>("--dot") { Description = "Write the Graphviz DOT text to -o instead of a picture (no Graphviz needed)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary instead of a line of text." };

        var cmd = new Command("plot", "Draw a circuit: a row per site from the bottom up, y on top, blue positive and red negative effects.")
        {
            circuitArgument, output, nodeThreshold, edgeThreshold, annotations, penThickness, positiveOnly, dot, json,
        };
        cmd.SetAction(parse =>
        {
            string circuitPath = parse.GetValue(circuitArgument)!;
            string outPath = parse.GetValue(output)!;
            bool writeDot = parse.GetValue(dot);
            if (!writeDot && !PlotFormats.TryFromPath(outPath, out _))
                throw new SfcInputException($"-o {outPath}: unsupported format '{Path.GetExtension(outPath)}' (use {PlotFormats.Supported}, or --dot)");
            double pen = parse.GetValue(penThickness);
            if (!double.IsFinite(pen) || pen <= 0) throw new SfcInputException($"--pen-thickness {pen.ToString(CultureInfo.InvariantCulture)}: must be a positive number");
            var options = new PlotOptions
            {
                NodeThreshold = Finite(parse.GetValue(nodeThreshold), "--node-threshold"),
                EdgeThreshold = Finite(parse.GetValue(edgeThreshold), "--edge-threshold"),
                PenThickness = pen,
                PositiveOnly = parse.GetValue(positiveOnly),
                Annotations = parse.GetValue(annotations) is { } file ? FeatureAnnotations.Read(file) : new Dictionary<string, string>(),
            };

            var circuit = CircuitReader.Read(circuitPath);
            if (writeDot) CircuitPlot.WriteDot(circuit, options, outPath);
            else CircuitPlot.Render(circuit, options, outPath);

            var selection = CircuitPlot.Selection(circuit, options);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["output"] = outPath,
                    ["nodes"] = selection.Nodes.Count,
                    ["edges"] = selection.Edges.Count,
                    ["node_threshold"] = selection.NodeThreshold,
                    ["edge_threshold"] = selection.EdgeThreshold,
                }));
            }
            else
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {outPath}: {selection.Nodes.Count} nodes, {selection.Edges.Count} edges (T_N {selection.NodeThreshold}, T_E {selection.EdgeThreshold})"));
            }
            return 0;
        });
        return cmd;
    }

    private static double? Finite(double? value, string flag) =>
        value is double v && !double.IsFinite(v)
            ? throw new SfcInputException($"{flag} {v.ToString(CultureInfo.InvariantCulture)}: must be a finite number")
            : value;
}
