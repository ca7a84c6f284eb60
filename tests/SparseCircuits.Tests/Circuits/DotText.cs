using System.Text;
using System.Text.RegularExpressions;

namespace SparseCircuits.Tests.Circuits;

/// <summary>Reads back the statements of DOT text by the DOT grammar (quoted ids, <c>[name="value", ...]</c>),
/// independently of the writer, so that tests can look at one node's or edge's attributes.</summary>
internal sealed partial class DotText
{
    private const string Quoted = "\"((?:[^\"\\\\]|\\\\.)*)\"";

    [GeneratedRegex("^\\s*" + Quoted + "\\s*(?:->\\s*" + Quoted + ")?\\s*(?:\\[(.*)\\])?;\\s*$")]
    private static partial Regex Statement();

    [GeneratedRegex("(\\w+)=" + Quoted)]
    private static partial Regex Attribute();

    public Dictionary<string, Dictionary<string, string>> Nodes { get; } = new();

    public List<(string From, string To, Dictionary<string, string> Attributes)> Edges { get; } = new();

    public static DotText Parse(string dot)
    {
        var text = new DotText();
        var lines = dot.Split('\n');
        Assert.StartsWith("digraph ", lines[0]);
        foreach (var line in lines.Skip(1))
        {
            var match = Statement().Match(line);
            if (!match.Success) continue; // graph/node/edge defaults, comments, the closing brace
            var attributes = Attribute().Matches(match.Groups[3].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (match.Groups[2].Success) text.Edges.Add((Unescape(match.Groups[1].Value), Unescape(match.Groups[2].Value), attributes));
            else text.Nodes[Unescape(match.Groups[1].Value)] = attributes;
        }
        return text;
    }

    /// <summary>The text a DOT id or escString stands for (\" and \\ and \n).</summary>
    public static string Unescape(string raw)
    {
        var text = new StringBuilder();
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length)
            {
                char next = raw[++i];
                text.Append(next == 'n' ? '\n' : next);
            }
            else text.Append(raw[i]);
        }
        return text.ToString();
    }

    /// <summary>A node's pos in points ("x,y!").</summary>
    public (double X, double Y) Position(string id)
    {
        var parts = Nodes[id]["pos"].TrimEnd('!').Split(',');
        return (double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
