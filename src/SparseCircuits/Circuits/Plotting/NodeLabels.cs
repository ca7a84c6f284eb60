namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// The text drawn in a node: the annotation when there is one, else the circuit's label, else the node's name
/// (<c>resid_2/1234</c>, <c>resid_2/ε</c>; the position is shown by the column). Labels longer than
/// <see cref="MaxLineLength"/> characters are split onto two lines, and a node is 0.1 inch wide per character plus
/// 0.1 (algorithm §11).
/// </summary>
public static class NodeLabels
{
    public const int MaxLineLength = 20;
    public const double InchesPerCharacter = 0.1;
    public const double Padding = 0.1;

    public static string Text(CircuitNode node, IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> circuitLabels)
    {
        if (node.IsOutput) return node.Name;
        if (annotations.TryGetValue(node.Name, out var annotation)) return annotation;
        return circuitLabels.TryGetValue(node.Name, out var label) ? label : node.Name;
    }

    /// <summary>One line, or two when longer than <see cref="MaxLineLength"/>: split at the space nearest the middle,
    /// or else just after the '/' of a name.</summary>
    public static IReadOnlyList<string> Lines(string label)
    {
        label = label.Trim();
        if (label.Length <= MaxLineLength) return [label];
        int middle = label.Length / 2;
        int best = -1;
        for (int i = 0; i < label.Length; i++)
            if (label[i] == ' ' && (best < 0 || Math.Abs(i - middle) < Math.Abs(best - middle))) best = i;
        if (best > 0) return [label[..best].TrimEnd(), label[(best + 1)..].TrimStart()];
        int slash = label.IndexOf('/');
        if (slash > 0 && slash < label.Length - 1) return [label[..(slash + 1)], label[(slash + 1)..]];
        return [label];
    }

    /// <summary>Node width in inches for these lines.</summary>
    public static double Width(IReadOnlyList<string> lines) =>
        InchesPerCharacter * lines.Max(l => l.Length) + Padding;
}
