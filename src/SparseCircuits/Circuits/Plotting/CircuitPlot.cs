using System.Globalization;
using System.Text;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// Pictures of circuits as the paper draws them (algorithm §11): a row per site from the bottom up with y on top,
/// a column per token for position-aligned circuits with the tokens underneath; rounded boxes for features,
/// triangles for error nodes, a diamond for y; fills from white to blue (positive) or red (negative) by effect
/// relative to the largest |effect| of the circuit; edges blue (positive) or red (negative), |weight| ×
/// pen thickness wide. The DOT text places every node and draws every edge itself, for Graphviz's <c>neato -n2</c>.
/// </summary>
public static class CircuitPlot
{
    private const double PointsPerInch = 72;
    private const string FontName = "Helvetica";

    /// <summary>The nodes and edges the plot draws.</summary>
    public static CircuitSelection Selection(Circuit circuit, PlotOptions options) =>
        circuit.Threshold(
            options.NodeThreshold ?? circuit.Metadata.NodeThreshold,
            options.EdgeThreshold ?? circuit.Metadata.EdgeThreshold,
            options.PositiveOnly);

    public static string ToDot(Circuit circuit, PlotOptions options)
    {
        if (!double.IsFinite(options.PenThickness) || options.PenThickness <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"Pen thickness {options.PenThickness} must be a positive number.");
        var selection = Selection(circuit, options);
        var layout = CircuitLayout.Build(circuit, selection,
            node => NodeLabels.Lines(NodeLabels.Text(node, options.Annotations, circuit.Labels)));
        double scale = circuit.MaxAbsEffect();

        var dot = new DotWriter("circuit");
        dot.GraphAttributes(
            ("label", Title(circuit, selection)), ("labelloc", "t"), ("fontname", FontName), ("fontsize", "16"),
            ("splines", "false"), ("outputorder", "edgesfirst"), ("bgcolor", "white"), ("pad", "0.3"));
        dot.NodeDefaults(("fontname", FontName), ("fontsize", "12"), ("fixedsize", "true"), ("penwidth", "0.8"));
        dot.EdgeDefaults(("arrowsize", DotWriter.Number(EdgeRoutes.ArrowSize)));

        WriteFrame(dot, circuit, layout);
        dot.Comment("nodes: fill = effect / max |effect| (" + DotWriter.Number(scale, 6) + ")");
        foreach (var placed in layout.Nodes) WriteNode(dot, placed, scale);
        dot.Comment("edges: blue positive, red negative, width |weight| x " + DotWriter.Number(options.PenThickness));
        foreach (var edge in selection.Edges) WriteEdge(dot, edge, layout, options.PenThickness);
        return dot.ToString();
    }

    /// <summary>Writes the picture to <paramref name="outPath"/> in the format its extension names (.svg and .png
    /// through Graphviz, .dot as DOT text), atomically.</summary>
    public static void Render(Circuit circuit, PlotOptions options, string outPath)
    {
        var format = PlotFormats.FromPath(outPath);
        var dot = ToDot(circuit, options);
        if (format == PlotFormat.Dot) WriteText(dot, outPath);
        else Graphviz.Render(dot, format, outPath);
    }

    /// <summary>Writes the DOT text to <paramref name="outPath"/> whatever its extension, atomically.</summary>
    public static void WriteDot(Circuit circuit, PlotOptions options, string outPath) => WriteText(ToDot(circuit, options), outPath);

    private static void WriteText(string text, string outPath) =>
        AtomicFile.Write(outPath, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));

    private static string Title(Circuit circuit, CircuitSelection selection)
    {
        var m = circuit.Metadata;
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv,
            $"{ShortName(m.Model)} · {ShortName(m.Data)} · {m.Method}, {m.Aggregation}, {m.Examples} examples · " +
            $"T_N {selection.NodeThreshold}, T_E {selection.EdgeThreshold}{(selection.PositiveOnly ? ", positive only" : "")} · " +
            $"{selection.Nodes.Count} nodes, {selection.Edges.Count} edges");
    }

    private static string ShortName(string path)
    {
        var trimmed = path.TrimEnd('/', '\\');
        var name = Path.GetFileName(trimmed);
        return string.IsNullOrEmpty(name) ? trimmed : name;
    }

    /// <summary>Site names left of each row; for position-aligned circuits the tokens under each column and faint
    /// lines between columns.</summary>
    private static void WriteFrame(DotWriter dot, Circuit circuit, CircuitLayout layout)
    {
        dot.Comment("rows: one per site, bottom to top");
        double left = layout.Left;
        for (int row = 0; row < circuit.Nodes.Count; row++)
        {
            string site = circuit.Nodes[row].Site;
            double width = NodeLabels.Width([site]);
            dot.Node($"row:{site}", ("label", site), ("shape", "plaintext"), ("fontsize", "13"), ("fontcolor", "#555555"),
                ("fixedsize", "false"), ("width", DotWriter.Number(width)), ("height", "0.3"),
                ("pos", Position(left - 0.4 - width / 2, CircuitLayout.RowY(row))));
        }
        if (circuit.PositionCount is not int positions) return;

        dot.Comment("columns: one per token position");
        double bottom = CircuitLayout.RowY(0) - 1.3, top = CircuitLayout.RowY(circuit.Nodes.Count) + 0.4;
        for (int p = 0; p < positions; p++)
        {
            string token = TokenText(circuit.Metadata.Tokens, p);
            dot.Node($"token:{p}", ("label", token), ("shape", "plaintext"), ("fontsize", "16"), ("fixedsize", "false"),
                ("pos", Position(layout.ColumnCenters[p], CircuitLayout.RowY(0) - 0.9)));
            if (p == 0) continue;
            double x = (layout.ColumnCenters[p - 1] + layout.ColumnWidths[p - 1] / 2 + layout.ColumnCenters[p] - layout.ColumnWidths[p] / 2) / 2;
            dot.Node($"separator:{p}:top", ("shape", "point"), ("width", "0"), ("height", "0"), ("label", ""), ("pos", Position(x, top)));
            dot.Node($"separator:{p}:bottom", ("shape", "point"), ("width", "0"), ("height", "0"), ("label", ""), ("pos", Position(x, bottom)));
            dot.Edge($"separator:{p}:top", $"separator:{p}:bottom", ("style", "dashed"), ("color", "#bbbbbb"), ("dir", "none"), ("penwidth", "0.5"));
        }
    }

    /// <summary>The token as read; surrounding spaces are dropped, and a token of spaces only is shown quoted.</summary>
    private static string TokenText(string[]? tokens, int position)
    {
        if (tokens is null) return position.ToString(CultureInfo.InvariantCulture);
        var token = tokens[position];
        return string.IsNullOrWhiteSpace(token) ? $"'{token}'" : token.Trim();
    }

    private static void WriteNode(DotWriter dot, PlacedNode placed, double scale)
    {
        var node = placed.Node;
        var position = ("pos", Position(placed.X, placed.Y));
        var size = new[] { ("width", DotWriter.Number(placed.Width)), ("height", DotWriter.Number(placed.Height)) };
        if (node.IsOutput)
        {
            dot.Node(node.Id, [("label", node.Name), ("shape", "diamond"), ("style", "filled"), ("fillcolor", "#ffffff"), .. size, position]);
            return;
        }
        var label = ("label", string.Join("\n", placed.Lines));
        var colours = new[] { ("fillcolor", EffectColors.FillHex(node.Effect, scale)), ("fontcolor", EffectColors.FontHex(node.Effect, scale)) };
        var tooltip = ("tooltip", string.Create(CultureInfo.InvariantCulture, $"{node.Id}: effect {node.Effect}"));
        if (node.IsError)
            dot.Node(node.Id, [label, ("shape", "triangle"), ("style", "filled"), ("labelloc", "b"), .. colours, .. size, position, tooltip]);
        else
            dot.Node(node.Id, [label, ("shape", "box"), ("style", "rounded,filled"), .. colours, .. size, position, tooltip]);
    }

    private static void WriteEdge(DotWriter dot, CircuitEdge edge, CircuitLayout layout, double penThickness)
    {
        double weight = edge.Weight;
        dot.Edge(edge.Source.Id, edge.Target.Id,
            ("color", weight < 0 ? "red" : "blue"),
            ("penwidth", DotWriter.Number(Math.Abs(weight) * penThickness)),
            ("pos", EdgeRoutes.Position(layout.ByNode[edge.Source], layout.ByNode[edge.Target])),
            ("tooltip", string.Create(CultureInfo.InvariantCulture, $"{edge.Source.Id} -> {edge.Target.Id}: {edge.Weight}")));
    }

    /// <summary>A fixed position in points, as <c>neato -n2</c> reads it.</summary>
    private static string Position(double xInches, double yInches) =>
        $"{DotWriter.Number(xInches * PointsPerInch, 2)},{DotWriter.Number(yInches * PointsPerInch, 2)}!";
}
