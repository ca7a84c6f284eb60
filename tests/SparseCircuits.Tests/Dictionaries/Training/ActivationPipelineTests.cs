using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>Properties of the row plumbing: sampling without replacement, epochs that visit every row once, the scale
/// that makes E‖s·x‖² = d, the geometric median's optimality condition, and the learning-rate schedule's shape.</summary>
public class ActivationPipelineTests
{
    [Fact]
    public void ShuffleBufferGivesBackEveryRowExactlyOnce()
    {
        var buffer = new ShuffleBuffer(capacity: 50, inputDim: 2, outputDim: 1, separateTargets: true, seed: 3);
        var rows = Enumerable.Range(0, 50).SelectMany(i => new[] { (float)i, -i }).ToArray();
        var targets = Enumerable.Range(0, 50).Select(i => i * 10f).ToArray();
        buffer.Add(rows, targets, 50);
        var seen = new List<int>();
        while (buffer.Count > 0)
        {
            var batch = buffer.Take(Math.Min(7, buffer.Count));
            for (int r = 0; r < batch.Rows; r++)
            {
                int i = (int)batch.Input[r, 0];
                Assert.Equal(-i, batch.Input[r, 1]);
                Assert.Equal(i * 10f, batch.Target[r, 0]);
                seen.Add(i);
            }
        }
        Assert.Equal(Enumerable.Range(0, 50), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), seen); // and not in data order
    }

    [Fact]
    public void MatrixSourceVisitsEveryRowOncePerEpoch()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 30).Select(i => (float)i).ToArray(), 10, 3);
        var source = new MatrixActivationSource(x, seed: 2);
        var firstTwoEpochs = Enumerable.Range(0, 4).SelectMany(_ => Rows(source.Next(5))).ToList();
        Assert.Equal(Enumerable.Range(0, 10), firstTwoEpochs.Take(10).Order());
        Assert.Equal(Enumerable.Range(0, 10), firstTwoEpochs.Skip(10).Order());
        Assert.NotEqual(firstTwoEpochs.Take(10), firstTwoEpochs.Skip(10)); // reshuffled
        static IEnumerable<int> Rows(ActivationBatch b) => Enumerable.Range(0, b.Rows).Select(r => (int)b.Input[r, 0] / 3);
    }

    [Fact]
    public void ScaleMakesTheMeanSquaredNormTheDimension()
    {
        var x = Tensor.RandomNormal(new Random(1), 3.7f, 200, 5);
        float s = ActivationScaling.Factor(x.Span, 5);
        double sum = 0;
        foreach (var v in x.Span) sum += (double)(s * v) * (s * v);
        Assert.Equal(5.0, sum / 200, 4);
    }

    [Fact]
    public void GeometricMedianSatisfiesItsOptimalityCondition()
    {
        // At the geometric median y of points p_i (none equal to y), Σ (y − p_i)/‖y − p_i‖ = 0. Skewed data puts it
        // far from the mean, so the check is not passed by the starting point.
        var rng = new Random(4);
        int n = 300, d = 4;
        var points = Tensor.RandomNormal(rng, 1f, n, d);
        for (int r = 0; r < n / 10; r++) points[r, 0] += 40f;
        var y = GeometricMedian.Of(points.Span, d, maxIterations: 1000, tolerance: 1e-12);
        var gradient = new double[d];
        for (int r = 0; r < n; r++)
        {
            double dist = Math.Sqrt(Enumerable.Range(0, d).Sum(j => Math.Pow(y[j] - points[r, j], 2)));
            for (int j = 0; j < d; j++) gradient[j] += (y[j] - points[r, j]) / dist;
        }
        Assert.True(gradient.All(g => Math.Abs(g) / n < 1e-4), $"gradient {string.Join(", ", gradient.Select(g => (g / n).ToString("G3")))}");
        double mean0 = Enumerable.Range(0, n).Average(r => points[r, 0]);
        Assert.True(mean0 - y[0] > 3, "the median should resist the outlying tenth");
    }

    [Fact]
    public void ScheduleWarmsUpHoldsAndDecaysToNearZero()
    {
        var schedule = new LearningRateSchedule(1f, Steps: 100, WarmupSteps: 10, DecaySteps: 20);
        Assert.Equal(0.1f, schedule.At(0), 6);
        Assert.Equal(1f, schedule.At(9), 6);
        Assert.Equal(1f, schedule.At(79), 6);
        Assert.True(schedule.At(80) < 1f && schedule.At(99) > 0 && schedule.At(99) < 0.05f);
        for (int s = 81; s < 100; s++) Assert.True(schedule.At(s) < schedule.At(s - 1));
    }
}
