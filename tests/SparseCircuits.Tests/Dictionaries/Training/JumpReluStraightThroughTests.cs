using SparseCircuits.Dictionaries.Training;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>
/// The JumpReLU training ops. Forward values against the definition; the gradient in z against finite differences
/// (away from the jump, where it is exact); the threshold's straight-through gradient against the derivative of the
/// step smoothed into a ramp of width ε, which is what the rectangle-kernel estimator is: with R the ramp from 0 at
/// u = −½ to 1 at u = ½, d/dθ Σ R((z − θ)/ε) = −(1/ε)·ΣK (the L0 op), and d/dθ Σ c·R((z − θ)/ε) with the multiplier c
/// held at the current θ gives −(θ/ε)·ΣK (the gate op; Rajamanoharan et al. put θ where z would be, since z ≈ θ inside
/// the window).
/// </summary>
public class JumpReluStraightThroughTests
{
    private const float Bandwidth = 0.4f;

    [Fact]
    public void GateForwardIsZTimesStep()
    {
        var z = Tensor.FromArray(new[] { -1f, 0.2f, 0.6f, 1.5f, 0.29f, 0.31f }, 2, 3);
        var logTheta = Tensor.FromArray(new[] { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(1f) }, 3);
        var f = JumpReluStraightThrough.Gate(z, logTheta, Bandwidth);
        // θ = (0.5, 0.3, 1): row 0 (−1 | 0.2 | 0.6) → (0, 0, 0); row 1 (1.5 | 0.29 | 0.31) → (1.5, 0, 0)
        Assert.Equal(new[] { 0f, 0f, 0f, 1.5f, 0f, 0f }, f.ToArray());
        Assert.Equal(1f, JumpReluStraightThrough.L0(z, logTheta, Bandwidth).ToFloat());
    }

    [Fact]
    public void GradientInZMatchesFiniteDifferencesAwayFromTheJump()
    {
        var z = Tensor.FromArray(new[] { -0.8f, 0.9f, 1.7f, 0.1f, 2.2f, -0.3f, 0.7f, 1.1f }, 2, 4);
        var logTheta = Tensor.FromArray(new[] { MathF.Log(0.5f), MathF.Log(0.4f), MathF.Log(1.2f), MathF.Log(0.2f) }, 4);
        GradCheck.Check(t => JumpReluStraightThrough.Gate(t[0], t[1], Bandwidth), new[] { z, logTheta }, h: 1e-3, skipInputs: new[] { 1 });
    }

    [Fact]
    public void ThresholdGradientsAreTheSmoothedStepsDerivatives()
    {
        var rng = new Random(3);
        int rows = 40, f = 3;
        var z = Tensor.RandomUniform(rng, 0f, 2f, rows, f);
        var theta = new[] { 0.6f, 1.0f, 1.4f };
        var logTheta = Tensor.FromArray(theta.Select(t => MathF.Log(t)).ToArray(), f);
        var seed = Tensor.RandomUniform(rng, -1f, 1f, rows, f);

        var leafZ = z.Clone().RequireGrad();
        var leafLog = logTheta.Clone().RequireGrad();
        Tensor gateGrad, l0Grad;
        using (var tape = Tape.Record())
        {
            var y = JumpReluStraightThrough.Gate(leafZ, leafLog, Bandwidth);
            gateGrad = tape.Backward(y, seed).Of(leafLog);
        }
        using (var tape = Tape.Record())
        {
            l0Grad = tape.Backward(JumpReluStraightThrough.L0(leafZ, leafLog, Bandwidth)).Of(leafLog);
        }

        for (int j = 0; j < f; j++)
        {
            // Central differences in log θ of the smoothed objectives, in float64 (the gate's weighted by the seed).
            double Smoothed(double logT, bool gate)
            {
                double t = Math.Exp(logT), s = 0;
                for (int r = 0; r < rows; r++)
                {
                    double u = (z[r, j] - t) / Bandwidth;
                    double ramp = Math.Clamp(u + 0.5, 0, 1);
                    s += gate ? seed[r, j] * theta[j] * ramp : ramp;
                }
                return s;
            }
            double h = 1e-4, lt = Math.Log(theta[j]);
            double gateFd = (Smoothed(lt + h, true) - Smoothed(lt - h, true)) / (2 * h);
            double l0Fd = (Smoothed(lt + h, false) - Smoothed(lt - h, false)) / (2 * h);
            Assert.Equal(gateFd, gateGrad[j], 2);
            Assert.Equal(l0Fd, l0Grad[j], 2);
        }
    }

    [Fact]
    public void BatchedSeedsEqualSeparatePasses()
    {
        var rng = new Random(5);
        var z = Tensor.RandomUniform(rng, 0f, 2f, 6, 4);
        var logTheta = Tensor.FromArray(new[] { MathF.Log(0.7f), MathF.Log(1.0f), MathF.Log(0.9f), MathF.Log(1.3f) }, 4);
        GradCheck.BatchedEqualsSeparate(t => JumpReluStraightThrough.Gate(t[0], t[1], 1f), new[] { z, logTheta });
    }
}
