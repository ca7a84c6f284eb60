namespace SparseCircuits.Circuits.Plotting;

/// <summary>A circuit node with its drawn size and its place (inches; x grows right, y grows up).</summary>
internal sealed class PlacedNode(CircuitNode node, IReadOnlyList<string> lines, double width, double height, int row, int column)
{
    public CircuitNode Node { get; } = node;

    public IReadOnlyList<string> Lines { get; } = lines;

    public double Width { get; } = width;

    public double Height { get; } = height;

    /// <summary>The site's place in forward order (0 at the bottom); the output is one row above the last site.</summary>
    public int Row { get; } = row;

    /// <summary>The token position for position-aligned circuits, else 0.</summary>
    public int Column { get; } = column;

    public double X { get; set; }

    public double Y { get; set; }
}
