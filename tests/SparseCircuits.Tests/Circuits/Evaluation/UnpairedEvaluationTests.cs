using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tests.TestSupport;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>Unpaired data (no patch prompts): ablation values come from the clean run itself, and the metric is
/// log p(answer), the discovery metric −log p with the evaluation sign.</summary>
public sealed class UnpairedEvaluationTests
{
    [SharedFact]
    public void CleanRunGivesTheValuesAndLogProbabilityTheMetric()
    {
        const string Arch = "tiny_llama";
        var model = EvaluationFixture.Model(Arch);
        var dicts = EvaluationFixture.Dictionaries(Arch, model);
        var examples = EvaluationFixture.Examples(Arch).Select(e => e with { PatchIds = null, PatchAnswerId = null }).ToArray();
        var session = EvaluationSession.Create(model, dicts, dicts.Sites, examples, AblationKind.Mean, batchSize: 5);

        // F(M): log p of each clean answer at the last position, from the plain logits.
        var logp = new double[examples.Length];
        using (Tape.NoGrad())
            for (int b = 0; b < examples.Length; b++)
            {
                var logits = model.Forward(TokenBatch.Single(examples[b].CleanIds));
                int v = model.Config.VocabSize, s = examples[b].Length;
                logp[b] = -Inference.Nll(logits.Span.Slice((s - 1) * v, v), examples[b].CleanAnswerId);
            }
        Assert.Equal(logp.Average(), session.FullModel, 1e-5);

        var hand = new HandAblation(model, dicts, examples, (m, resid, targets) => SparseCircuits.Tensors.Ops.Elementwise.Neg(CircuitMetrics.NegativeLogProbability(m, resid, targets)));
        foreach (var site in dicts.Sites)
            Fixtures.AssertRelative(hand.Means(site).Features, session.Ablations[site].Features.ToDense(), 1e-5, $"{site} mean f over the clean run");
        var rng = new Random(11);
        var masks = new NodeMasks(session.Sites.Select(s => new SiteMask(s, dicts[s].Width, 1,
            Enumerable.Range(0, dicts[s].Width + 1).Select(_ => rng.NextDouble() < 0.3).ToArray())));
        var got = session.Run(masks);
        var want = hand.Run(masks.Sites.ToDictionary(m => m.Site, m => (Func<int, int, bool>)((p, j) => m.Keeps(p, j))));
        Fixtures.AssertRelative(want, Tensor.FromArray(got, got.Length), 1e-4, "unpaired run");
    }
}
