namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// Places the nodes of a thresholded circuit (algorithm §11): one row per site from the bottom (first site) to the
/// top (last site, then y above it); for position-aligned circuits one column per token position, as wide as its
/// widest cell. Within a row (or cell) nodes are ordered to keep edges short: a few up and down sweeps sort them
/// by the mean x of their neighbours in the rows already placed (the barycentre heuristic).
/// </summary>
internal sealed class CircuitLayout
{
    public const double RowPitch = 1.0;
    public const double NodeGap = 0.2;
    public const double ColumnGap = 0.5;
    public const double MinColumnWidth = 1.2;
    public const double LineHeight = 0.2;
    public const double BoxPadding = 0.2;
    private const int Sweeps = 4;

    private readonly Dictionary<(int Row, int Column), List<PlacedNode>> cells = new();
    private readonly Dictionary<CircuitNode, List<PlacedNode>> upstream = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<CircuitNode, List<PlacedNode>> downstream = new(ReferenceEqualityComparer.Instance);
    private readonly double[] columnCenters;
    private readonly double[] columnWidths;

    private CircuitLayout(int rowCount, int columnCount)
    {
        RowCount = rowCount;
        columnCenters = new double[columnCount];
        columnWidths = new double[columnCount];
    }

    /// <summary>Rows of sites (the output's row is <see cref="RowCount"/>).</summary>
    public int RowCount { get; }

    public IReadOnlyList<double> ColumnCenters => columnCenters;

    public IReadOnlyList<double> ColumnWidths => columnWidths;

    /// <summary>Every placed node, the output last.</summary>
    public List<PlacedNode> Nodes { get; } = new();

    public Dictionary<CircuitNode, PlacedNode> ByNode { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The leftmost edge of any node or column.</summary>
    public double Left => Math.Min(Nodes.Min(n => n.X - n.Width / 2), columnCenters[0] - columnWidths[0] / 2);

    public double Right => Math.Max(Nodes.Max(n => n.X + n.Width / 2), columnCenters[^1] + columnWidths[^1] / 2);

    public static double RowY(int row) => row * RowPitch;

    public static CircuitLayout Build(Circuit circuit, CircuitSelection selection, Func<CircuitNode, IReadOnlyList<string>> linesOf)
    {
        int columns = circuit.PositionCount ?? 1;
        var layout = new CircuitLayout(circuit.Nodes.Count, columns);
        foreach (var node in selection.Nodes.Append(selection.Output))
        {
            var lines = linesOf(node);
            var (width, height) = Size(node, lines);
            int row = node.IsOutput ? circuit.Nodes.Count : circuit.SiteIndex(node.Site);
            var placed = new PlacedNode(node, lines, width, height, row, node.Position ?? 0) { Y = RowY(row) };
            layout.Nodes.Add(placed);
            layout.ByNode[node] = placed;
            if (!node.IsOutput) layout.Cell(row, placed.Column).Add(placed);
        }
        foreach (var edge in selection.Edges)
        {
            var source = layout.ByNode[edge.Source];
            var target = layout.ByNode[edge.Target];
            Neighbours(layout.downstream, edge.Source).Add(target);
            Neighbours(layout.upstream, edge.Target).Add(source);
        }
        layout.PlaceColumns();
        layout.Order();
        var output = layout.ByNode[selection.Output];
        output.X = layout.columnCenters[output.Column];
        return layout;
    }

    /// <summary>Boxes fit their text (0.1 inch per character, algorithm §11); a triangle carries its text near its
    /// base, so it is wider; the output is a small diamond.</summary>
    private static (double Width, double Height) Size(CircuitNode node, IReadOnlyList<string> lines)
    {
        double textWidth = NodeLabels.Width(lines);
        double height = LineHeight * lines.Count + BoxPadding;
        if (node.IsOutput) return (0.6, 0.5);
        if (node.IsError) return (textWidth + 0.8, height + 0.3);
        return (textWidth, height);
    }

    private List<PlacedNode> Cell(int row, int column)
    {
        if (!cells.TryGetValue((row, column), out var cell)) cells[(row, column)] = cell = new List<PlacedNode>();
        return cell;
    }

    private static List<PlacedNode> Neighbours(Dictionary<CircuitNode, List<PlacedNode>> map, CircuitNode node)
    {
        if (!map.TryGetValue(node, out var list)) map[node] = list = new List<PlacedNode>();
        return list;
    }

    private static double CellWidth(List<PlacedNode> cell) => cell.Sum(n => n.Width) + NodeGap * Math.Max(0, cell.Count - 1);

    private void PlaceColumns()
    {
        double left = 0;
        for (int c = 0; c < columnCenters.Length; c++)
        {
            double widest = cells.Where(kv => kv.Key.Column == c).Select(kv => CellWidth(kv.Value)).DefaultIfEmpty(0).Max();
            columnWidths[c] = Math.Max(MinColumnWidth, widest);
            columnCenters[c] = left + columnWidths[c] / 2;
            left += columnWidths[c] + ColumnGap;
        }
        // Centre the drawing on x = 0.
        double shift = (left - ColumnGap) / 2;
        for (int c = 0; c < columnCenters.Length; c++) columnCenters[c] -= shift;
    }

    private void Order()
    {
        foreach (var cell in cells.Values) CentreOut(cell);
        for (int row = 0; row < RowCount; row++) Pack(row);
        for (int sweep = 0; sweep < Sweeps; sweep++)
        {
            bool up = sweep % 2 == 0;
            var neighbours = up ? upstream : downstream;
            for (int i = 0; i < RowCount; i++)
            {
                int row = up ? i : RowCount - 1 - i;
                foreach (var cell in RowCells(row)) Sort(cell, neighbours);
                Pack(row);
            }
        }
    }

    /// <summary>The starting order: the most important node (the selection lists them by |effect|) in the middle,
    /// the others alternately to its left and right, so that weak, often unconnected nodes end up at the sides.</summary>
    private static void CentreOut(List<PlacedNode> cell)
    {
        var ordered = new LinkedList<PlacedNode>();
        for (int i = 0; i < cell.Count; i++)
        {
            if (i % 2 == 1) ordered.AddFirst(cell[i]);
            else ordered.AddLast(cell[i]);
        }
        cell.Clear();
        cell.AddRange(ordered);
    }

    /// <summary>Stable sort by the mean x of the neighbours; a node without neighbours keeps its own x.</summary>
    private static void Sort(List<PlacedNode> cell, Dictionary<CircuitNode, List<PlacedNode>> neighbours)
    {
        var keyed = cell
            .Select((node, index) => (node, index, key: neighbours.TryGetValue(node.Node, out var list) && list.Count > 0 ? list.Average(n => n.X) : node.X))
            .OrderBy(t => t.key)
            .ThenBy(t => t.index)
            .Select(t => t.node)
            .ToList();
        cell.Clear();
        cell.AddRange(keyed);
    }

    private IEnumerable<List<PlacedNode>> RowCells(int row)
    {
        for (int c = 0; c < columnCenters.Length; c++)
            if (cells.TryGetValue((row, c), out var cell)) yield return cell;
    }

    private void Pack(int row)
    {
        for (int c = 0; c < columnCenters.Length; c++)
        {
            if (!cells.TryGetValue((row, c), out var cell)) continue;
            double x = columnCenters[c] - CellWidth(cell) / 2;
            foreach (var node in cell)
            {
                node.X = x + node.Width / 2;
                x += node.Width + NodeGap;
            }
        }
    }
}
