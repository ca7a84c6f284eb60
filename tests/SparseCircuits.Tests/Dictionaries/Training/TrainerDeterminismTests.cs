using SparseCircuits.Dictionaries;
using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Models;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>Training is a function of its seed: two runs with the same seed give bit-identical weights, and another seed
/// gives other weights.</summary>
public class TrainerDeterminismTests
{
    private static readonly Lazy<PlantedDictionary> Data = new(() => new PlantedDictionary(16, 24, rows: 2048, meanActive: 2, seed: 11));

    [Theory]
    [InlineData("topk")]
    [InlineData("relu")]
    [InlineData("jumprelu")]
    public void SameSeedGivesIdenticalWeights(string architecture)
    {
        var first = Train(architecture, seed: 4);
        var second = Train(architecture, seed: 4);
        var other = Train(architecture, seed: 5);
        var a = first.Parameters.Parameters;
        var b = second.Parameters.Parameters;
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].ToArray(), b[i].ToArray());
        Assert.Equal(first.FinalLoss, second.FinalLoss);
        Assert.NotEqual(a[2].ToArray(), other.Parameters.Parameters[2].ToArray());
    }

    private static SaeTrainingResult Train(string architecture, int seed)
    {
        var arch = SaeArchitectureNames.Parse(architecture);
        var options = new SaeTrainingOptions
        {
            Architecture = arch,
            Width = 48,
            K = 3,
            SparsityCoefficient = 1f,
            BatchSize = 128,
            Tokens = 128 * 60,
            Seed = seed,
            DeadAfterTokens = 128 * 5, // so that AuxK and resampling both take part
            InitializationRows = 512,
        };
        return new SaeTrainer(options).Train(new MatrixActivationSource(Data.Value.Rows, seed: seed),
            new DictionaryInfo(arch.CliName(), Site.ResidPost(0), Site.ResidPost(0), "determinism"));
    }
}
