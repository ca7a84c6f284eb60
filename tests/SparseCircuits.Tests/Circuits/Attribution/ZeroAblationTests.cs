using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>Unpaired data: the baseline is f = 0, ε = 0, so the site holds dec(0) = b_dec everywhere.</summary>
public sealed class ZeroAblationTests
{
    /// <summary>IG completeness against a plain forward with the site set to b_dec (metric −L[answer]).</summary>
    [SharedFact]
    public void IntegratedGradientsAreCompleteTowardTheDecoderBias()
    {
        const string arch = "tiny_gpt2";
        var model = AttributionFixture.Model(arch);
        var dicts = AttributionFixture.Dictionaries(arch, model);
        var unpaired = AttributionFixture.Examples(arch).Take(4).Select(e => e with { PatchIds = null, PatchAnswerId = null }).ToList();
        var batch = ExampleBatches.Split(unpaired, 4)[0];
        var result = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Steps = 64, Metric = CircuitMetrics.NegativeLogit });
        Assert.Null(result.PatchMetric);
        var clean = TokenBatch.Stack(batch.CleanIds);
        var cleanM = NegativeLogit(model.Forward(clean), batch);
        foreach (var site in dicts.Sites)
        {
            var bias = dicts[site].DecoderBias;
            var ablated = NegativeLogit(model.Forward(clean, new ForwardHooks().Replace(site.Name, x =>
            {
                var y = Tensor.Empty(x.ShapeArray);
                for (int r = 0; r < x.Rows; r++) bias.Span.CopyTo(y.Span.Slice(r * x.Columns, x.Columns));
                return y;
            })), batch);
            var effects = result.Sites[site].Effects;
            int per = effects.Length / batch.Count;
            double scale = Enumerable.Range(0, batch.Count).Max(b => Math.Abs(ablated[b] - cleanM[b]));
            for (int b = 0; b < batch.Count; b++)
            {
                double total = 0;
                foreach (var v in effects.Span.Slice(b * per, per)) total += v;
                Assert.True(Math.Abs(total - (ablated[b] - cleanM[b])) <= 0.02 * scale,
                    $"{site} example {b}: Σ IE = {total}, m(ablated) − m(clean) = {ablated[b] - cleanM[b]}");
            }
        }
    }

    private static double[] NegativeLogit(Tensor logits, ExampleBatch batch)
    {
        using var _ = Tape.NoGrad();
        int s = logits.Dim(1), v = logits.Dim(2);
        return Enumerable.Range(0, batch.Count).Select(b => -(double)logits.Span[(b * s + s - 1) * v + batch.CleanAnswerIds[b]]).ToArray();
    }
}
