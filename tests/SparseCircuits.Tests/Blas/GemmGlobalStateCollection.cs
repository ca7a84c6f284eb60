namespace SparseCircuits.Tests.Blas;

/// <summary>Tests that switch process-wide GEMM settings (Gemm.Backend) run alone, not beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GemmGlobalStateCollection
{
    public const string Name = "GEMM global state";
}
