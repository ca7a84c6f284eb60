using SparseCircuits.Circuits.Plotting;

namespace SparseCircuits.Tests.Circuits;

/// <summary>A fact that runs Graphviz; skipped with a visible reason when <c>neato</c> is not on the PATH.</summary>
public sealed class GraphvizFactAttribute : FactAttribute
{
    public GraphvizFactAttribute()
    {
        if (!Graphviz.IsInstalled) Skip = "Graphviz (neato) is not installed: apt-get install graphviz";
    }
}
