using System.Globalization;
using System.Text;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Faithfulness and completeness against the number of nodes (log x), as in the paper's figures, drawn by gnuplot
/// from a generated script: .svg (svg terminal) or .png (pngcairo, else gnuplot's libgd png). Thresholds that keep
/// no node cannot sit on a log axis and are left out; the random baseline, when present, is drawn dashed.
/// </summary>
public static class FaithfulnessPlot
{
    public const string Supported = ".svg or .png";

    /// <summary>Draws <paramref name="report"/> into <paramref name="path"/> (nothing is left there on failure).</summary>
    /// <exception cref="SfcInputException">An unsupported extension, no threshold with nodes, or gnuplot missing or
    /// failing.</exception>
    public static void Write(EvaluationReport report, string path, string? title = null)
    {
        string terminal = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".svg" => "svg size 720,480 dynamic enhanced font 'sans,12' background rgb 'white'",
            ".png" => Gnuplot.HasTerminal("pngcairo") ? "pngcairo size 960,640 enhanced font 'sans,12'" : "png size 960,640",
            _ => throw SfcInputException.ForFile(path, $"unsupported plot format '{Path.GetExtension(path)}' (use {Supported})"),
        };
        if (!Gnuplot.IsInstalled) throw new SfcInputException(Gnuplot.MissingMessage);
        Gnuplot.Render(Script(report, terminal, title), path);
    }

    /// <summary>The gnuplot script: the data inline, then the curves. Exposed for users who restyle the plot.</summary>
    public static string Script(EvaluationReport report, string terminal, string? title = null)
    {
        var rows = report.Thresholds.Where(r => r.Nodes > 0).OrderBy(r => r.Nodes).ToArray();
        if (rows.Length == 0) throw new SfcInputException("nothing to plot: no threshold keeps any node (the x axis is logarithmic)");
        var random = report.Thresholds.Where(r => r.Random is { Nodes: > 0 }).Select(r => r.Random!).OrderBy(r => r.Nodes).ToArray();
        var run = report.Run;
        title ??= $"{AblationKinds.Name(run.Ablation)} ablation, errors {ErrorHandlings.Name(run.Errors)}, {run.Examples} examples"
            + (run.StartLayer >= 0 ? $", from layer {run.StartLayer}" : "");

        var s = new StringBuilder();
        s.Append("set terminal ").Append(terminal).Append('\n');
        s.Append("set encoding utf8\n");
        s.Append("set datafile missing '?'\n");
        s.Append("$circuit << EOD\n");
        foreach (var r in rows) Line(s, r.Nodes, r.Faithfulness, r.Completeness);
        s.Append("EOD\n");
        if (random.Length > 0)
        {
            s.Append("$random << EOD\n");
            foreach (var r in random) Line(s, r.Nodes, r.Faithfulness, r.Completeness);
            s.Append("EOD\n");
        }
        s.Append("set title \"").Append(Escape(title)).Append("\"\n");
        s.Append("set logscale x 10\n");
        s.Append("set xlabel 'nodes in the circuit'\n");
        s.Append("set ylabel 'score'\n");
        s.Append("set grid\n");
        s.Append("set key outside right top\n");
        s.Append("set yrange [*:*]\n");
        s.Append("set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 3 lc rgb '#999999'\n");
        s.Append("set arrow from graph 0, first 0 to graph 1, first 0 nohead dashtype 3 lc rgb '#999999'\n");
        s.Append("plot $circuit using 1:2 with linespoints pt 7 lc rgb '#1f77b4' lw 2 title 'faithfulness', \\\n");
        s.Append("     $circuit using 1:3 with linespoints pt 5 lc rgb '#d62728' lw 2 title 'completeness'");
        if (random.Length > 0)
        {
            s.Append(", \\\n     $random using 1:2 with linespoints pt 6 dt 2 lc rgb '#1f77b4' title 'random faithfulness'");
            s.Append(", \\\n     $random using 1:3 with linespoints pt 4 dt 2 lc rgb '#d62728' title 'random completeness'");
        }
        s.Append('\n');
        return s.ToString();
    }

    private static void Line(StringBuilder s, int nodes, double faithfulness, double completeness) =>
        s.Append(nodes.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Value(faithfulness)).Append(' ').Append(Value(completeness)).Append('\n');

    private static string Value(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "?";

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
