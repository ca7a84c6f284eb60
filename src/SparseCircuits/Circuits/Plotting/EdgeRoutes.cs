namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// Edge curves drawn by us, not by Graphviz: its obstacle-avoiding router takes minutes on a few hundred nodes,
/// while the rows make a simple shape enough. An edge leaves the top of its source and enters the bottom of its
/// target as a cubic Bézier with vertical ends (the look of a <c>dot</c> layout), the arrow head filling the last
/// <see cref="ArrowLength"/> points. End points spread along the node's side towards the other end so that edges
/// fanning in or out stay apart. Coordinates are in points, as <c>neato -n2</c> reads an edge's pos.
/// </summary>
internal static class EdgeRoutes
{
    /// <summary>Graphviz's arrow length (10 points) times the arrowsize the plots use.</summary>
    public const double ArrowSize = 0.5;
    public const double ArrowLength = 10 * ArrowSize;

    private const double PointsPerInch = 72;
    private const double Spread = 0.3;
    private const double MaxPortOffset = 0.35;

    /// <summary>The DOT pos of an edge: <c>e,tip spline-points</c>.</summary>
    public static string Position(PlacedNode source, PlacedNode target)
    {
        var (sx, sy) = Exit(source, target.X - source.X);
        var (ex, ey) = Entry(target, source.X - target.X);
        double baseY = ey - ArrowLength;
        double bend = (baseY - sy) / 2;
        return $"e,{P(ex)},{P(ey)} {P(sx)},{P(sy)} {P(sx)},{P(sy + bend)} {P(ex)},{P(baseY - bend)} {P(ex)},{P(baseY)}";
    }

    /// <summary>Where an edge leaves the top of a node (inches in, points out).</summary>
    private static (double X, double Y) Exit(PlacedNode node, double towards)
    {
        double x = node.X * PointsPerInch, y = node.Y * PointsPerInch;
        double halfHeight = node.Height * PointsPerInch / 2;
        // A triangle's apex and a diamond's top are points: leave from them.
        if (node.Node.IsError || node.Node.IsOutput) return (x, y + halfHeight);
        return (x + PortOffset(node, towards), y + halfHeight);
    }

    private static (double X, double Y) Entry(PlacedNode node, double towards)
    {
        double x = node.X * PointsPerInch, y = node.Y * PointsPerInch;
        double halfHeight = node.Height * PointsPerInch / 2, halfWidth = node.Width * PointsPerInch / 2;
        double offset = PortOffset(node, towards);
        // Graphviz draws a triangle in the lower three quarters of its box: its base lies h/4 below the centre.
        if (node.Node.IsError) return (x + offset, y - halfHeight / 2);
        // A diamond's lower sides rise from the bottom vertex to the left and right corners.
        if (node.Node.IsOutput) return (x + offset, y - halfHeight * (1 - Math.Abs(offset) / halfWidth));
        return (x + offset, y - halfHeight);
    }

    private static double PortOffset(PlacedNode node, double towardsInches)
    {
        double limit = MaxPortOffset * node.Width * PointsPerInch;
        return Math.Clamp(towardsInches * PointsPerInch * Spread, -limit, limit);
    }

    private static string P(double points) => DotWriter.Number(points, 2);
}
