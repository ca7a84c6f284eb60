using SparseCircuits.Models;
using SparseCircuits.Models.Training;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tests.Models.Training;

/// <summary>
/// The gradient the trainer follows: d(next-token cross-entropy)/d(weight) of a whole tiny GPT-2 from the tape,
/// against central finite differences of the loss, for entries of every kind of parameter (the tied
/// embedding gets gradient from both its uses).
/// </summary>
public class LanguageModelGradientTests
{
    [Fact]
    public void LossGradientMatchesFiniteDifferences()
    {
        var config = new Gpt2Shape(Layers: 2, DModel: 8, Heads: 2, Context: 5).ToConfig(vocabSize: 13);
        var model = RandomWeights.Create(config, seed: 3, std: 0.3f);
        int[] inputs = [1, 5, 7, 2, 9, 4, 4, 12, 0, 3];
        int[] targets = [5, 7, 2, 9, 11, 4, 12, 0, 3, 6];
        var parameters = model.Weights.Parameters().ToArray();
        foreach (var p in parameters) p.RequireGrad();

        Gradients grads;
        using (var tape = Tape.Record())
            grads = tape.Backward(LanguageModelLoss.Compute(model, inputs, targets, rows: 2, context: 5));

        double Loss()
        {
            using var _ = Tape.NoGrad();
            return LanguageModelLoss.Compute(model, inputs, targets, 2, 5).ToFloat();
        }

        var rng = new Random(5);
        int checkedEntries = 0;
        foreach (var p in parameters)
        {
            var g = grads.Of(p);
            for (int n = 0; n < 4; n++)
            {
                int i = rng.Next(p.Length);
                float saved = p.Span[i];
                const float h = 1e-2f;
                p.Span[i] = saved + h;
                double up = Loss();
                p.Span[i] = saved - h;
                double down = Loss();
                p.Span[i] = saved;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - g.Span[i]) <= 2e-3 + 0.02 * Math.Abs(numeric),
                    $"{p} entry {i}: tape {g.Span[i]:G5}, finite difference {numeric:G5}");
                checkedEntries++;
            }
        }
        Assert.Equal(4 * parameters.Length, checkedEntries);
    }
}
