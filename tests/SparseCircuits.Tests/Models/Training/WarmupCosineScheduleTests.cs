using SparseCircuits.Models.Training;

namespace SparseCircuits.Tests.Models.Training;

public class WarmupCosineScheduleTests
{
    [Fact]
    public void WarmsUpLinearlyThenFollowsTheHalfCosine()
    {
        var s = new WarmupCosineSchedule(Peak: 2f, Steps: 110, WarmupSteps: 10, FinalFraction: 0.1f);
        Assert.Equal(0.2f, s.At(0), 6);
        Assert.Equal(1.0f, s.At(4), 6);
        Assert.Equal(2f, s.At(10), 6); // first decay step: cos(0) = 1
        // step 10 + k of 100 decay steps: 2 · (0.1 + 0.9 · (1 + cos(π k / 99)) / 2)
        foreach (int k in new[] { 1, 33, 50, 99 })
            Assert.Equal(2 * (0.1 + 0.9 * (1 + Math.Cos(Math.PI * k / 99)) / 2), s.At(10 + k), 5);
        Assert.Equal(0.2f, s.At(109), 6); // the last step is at the final fraction
    }
}
