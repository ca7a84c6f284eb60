namespace SparseCircuits.Circuits.Plotting;

/// <summary>What a plot is written as, from the output file's extension.</summary>
public enum PlotFormat
{
    Svg,
    Png,

    /// <summary>The Graphviz DOT text itself (.dot or .gv); needs no Graphviz.</summary>
    Dot,
}

public static class PlotFormats
{
    public const string Supported = ".svg, .png or .dot";

    public static bool TryFromPath(string path, out PlotFormat format)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".svg": format = PlotFormat.Svg; return true;
            case ".png": format = PlotFormat.Png; return true;
            case ".dot" or ".gv": format = PlotFormat.Dot; return true;
            default: format = default; return false;
        }
    }

    public static PlotFormat FromPath(string path) =>
        TryFromPath(path, out var format)
            ? format
            : throw SfcInputException.ForFile(path, $"unsupported plot format '{Path.GetExtension(path)}' (use {Supported})");

    /// <summary>Graphviz's -T name of the format.</summary>
    public static string GraphvizName(this PlotFormat format) => format switch
    {
        PlotFormat.Svg => "svg",
        PlotFormat.Png => "png",
        _ => "dot",
    };
}
