using System.Globalization;
using System.Text;

namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// Builds Graphviz DOT text. Every id and attribute value is written as a quoted string: '"' and '\' are escaped,
/// a line break becomes DOT's <c>\n</c> (a centred line), and other control characters become spaces, so that no
/// text from a circuit or an annotation file can change the graph's structure.
/// </summary>
public sealed class DotWriter
{
    private readonly StringBuilder text = new();
    private bool finished;

    public DotWriter(string graphName)
    {
        text.Append("digraph ").Append(Quote(graphName)).Append(" {\n");
    }

    public DotWriter GraphAttributes(params (string Name, string Value)[] attributes) => Statement("graph", attributes);

    public DotWriter NodeDefaults(params (string Name, string Value)[] attributes) => Statement("node", attributes);

    public DotWriter EdgeDefaults(params (string Name, string Value)[] attributes) => Statement("edge", attributes);

    public DotWriter Node(string id, params (string Name, string Value)[] attributes) => Statement(Quote(id), attributes);

    public DotWriter Edge(string from, string to, params (string Name, string Value)[] attributes) =>
        Statement($"{Quote(from)} -> {Quote(to)}", attributes);

    public DotWriter Comment(string comment)
    {
        EnsureOpen();
        text.Append("  // ").Append(comment.ReplaceLineEndings(" ")).Append('\n');
        return this;
    }

    /// <summary>The complete DOT text; the writer is closed afterwards.</summary>
    public override string ToString()
    {
        if (!finished)
        {
            text.Append("}\n");
            finished = true;
        }
        return text.ToString();
    }

    /// <summary>A DOT quoted string for any text.</summary>
    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': if (i + 1 < value.Length && value[i + 1] == '\n') break; quoted.Append("\\n"); break;
                default: quoted.Append(char.IsControl(c) ? ' ' : c); break;
            }
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>A number as DOT expects it: invariant culture, at most <paramref name="decimals"/> decimals.</summary>
    public static string Number(double value, int decimals = 4) =>
        Math.Round(value, decimals).ToString("0.##########", CultureInfo.InvariantCulture);

    private DotWriter Statement(string head, (string Name, string Value)[] attributes)
    {
        EnsureOpen();
        text.Append("  ").Append(head);
        if (attributes.Length > 0)
        {
            text.Append(" [");
            for (int i = 0; i < attributes.Length; i++)
            {
                if (attributes[i].Name.Length == 0 || !attributes[i].Name.All(c => char.IsAsciiLetter(c) || c == '_'))
                    throw new ArgumentException($"'{attributes[i].Name}' is not a DOT attribute name.", nameof(attributes));
                if (i > 0) text.Append(", ");
                text.Append(attributes[i].Name).Append('=').Append(Quote(attributes[i].Value));
            }
            text.Append(']');
        }
        text.Append(";\n");
        return this;
    }

    private void EnsureOpen()
    {
        if (finished) throw new InvalidOperationException("The DOT text is already finished.");
    }
}
