using SparseCircuits.Circuits.Evaluation;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>A fact that needs ../shared and runs gnuplot; skipped with a visible reason when either is missing.</summary>
public sealed class GnuplotFactAttribute : FactAttribute
{
    public GnuplotFactAttribute()
    {
        if (TestSupport.Paths.Shared is null) Skip = "../shared (data and fixtures beside the repository) is absent";
        else if (!Gnuplot.IsInstalled) Skip = "gnuplot is not installed: apt-get install gnuplot-nox";
    }
}
