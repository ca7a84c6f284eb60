using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>
/// The objective test of the trainer: data built from a planted sparse dictionary (64 unit atoms in 32 dimensions, about
/// 3 active per row with nonnegative coefficients) must give back at least 90 % of the atoms as decoder rows at cosine
/// ≥ 0.9, for every architecture with its own sparsity mechanism and dead-feature handling.
/// </summary>
public class PlantedDictionaryRecoveryTests
{
    private const int Dim = 32, Atoms = 64, Width = 128;

    private static readonly Lazy<PlantedDictionary> Data = new(() => new PlantedDictionary(Dim, Atoms, rows: 16384, meanActive: 3, seed: 7));

    public static TheoryData<string, float, int> Recipes() => new()
    {
        // architecture, sparsity coefficient (L1 for relu, L0 for jumprelu), steps of 256 rows
        { "topk", 0f, 1000 },
        { "relu", 1f, 2000 },
        { "jumprelu", 1f, 2000 },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void RecoversThePlantedAtoms(string architecture, float sparsity, int steps)
    {
        var arch = SaeArchitectureNames.Parse(architecture);
        var options = new SaeTrainingOptions
        {
            Architecture = arch,
            Width = Width,
            K = 4,
            SparsityCoefficient = sparsity,
            LearningRate = 3e-3f,
            BatchSize = 256,
            Tokens = 256L * steps,
            Seed = 3,
        };
        var result = new SaeTrainer(options).Train(new MatrixActivationSource(Data.Value.Rows, seed: 5),
            new DictionaryInfo(arch.CliName(), Site.ResidPost(0), Site.ResidPost(0), "planted"));

        int matched = Data.Value.Matched(result.Parameters.DecoderWeight, cosine: 0.9);
        Assert.True(matched >= 0.9 * Atoms, $"{architecture}: {matched} of {Atoms} planted atoms matched at cosine ≥ 0.9 " +
            $"(L0 {result.FinalL0:F2}, EV {result.FinalExplainedVariance:F3}, dead {result.DeadFeatures})");
        Assert.True(result.FinalExplainedVariance > 0.85, $"{architecture}: explained variance {result.FinalExplainedVariance:F3}");
    }
}
