using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tests.Blas;

/// <summary>A theory that needs OpenBLAS; skipped with a visible reason when libopenblas.so.0 cannot be loaded.</summary>
public sealed class OpenBlasTheoryAttribute : TheoryAttribute
{
    public OpenBlasTheoryAttribute()
    {
        if (!OpenBlas.IsAvailable) Skip = "OpenBLAS (libopenblas.so.0) is not installed";
    }
}

/// <summary>A fact that needs OpenBLAS; skipped with a visible reason when libopenblas.so.0 cannot be loaded.</summary>
public sealed class OpenBlasFactAttribute : FactAttribute
{
    public OpenBlasFactAttribute()
    {
        if (!OpenBlas.IsAvailable) Skip = "OpenBLAS (libopenblas.so.0) is not installed";
    }
}
