using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Optim;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Trains a sparse dictionary (SAE or transcoder) on activation rows:
/// <list type="number">
/// <item>draw <see cref="SaeTrainingOptions.InitializationRows"/> rows to estimate the scale factors (E‖s·x‖² = d) and
/// initialise b_dec at their geometric median; W_dec gets random unit rows and W_enc = W_decᵀ (a transcoder's W_enc
/// gets its own random unit columns), b_enc = 0, JumpReLU θ its initial value;</item>
/// <item>for each step, take a batch, rescale it, build <see cref="SaeObjective"/> on a tape, backpropagate, and take
/// an AdamW step (no weight decay) whose gradient hook removes from W_dec's gradient the component along each row,
/// after which the rows are renormalised to unit length;</item>
/// <item>handle dead features by AuxK or by resampling; report progress; return the dictionary in raw units.</item>
/// </list>
/// Deterministic for a seed: every random draw comes from seeded generators on the calling thread, and reductions run
/// in a fixed order.
/// </summary>
public sealed class SaeTrainer
{
    private const int SummaryWindow = 20;

    public SaeTrainer(SaeTrainingOptions options) => Options = options;

    public SaeTrainingOptions Options { get; }

    /// <param name="info">Sites and description stored with the dictionary.</param>
    public SaeTrainingResult Train(IActivationSource source, DictionaryInfo info, IProgress<SaeTrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var o = Options.Validate();
        if (!info.IsTranscoder && source.InputDim != source.OutputDim)
            throw new ArgumentException("An SAE's source must give targets of the input width.");
        var rng = new Random(o.Seed);

        var init = source.Next(Math.Max(1, o.InitializationRows));
        float inputScale = ActivationScaling.Factor(init.Input.Span, source.InputDim);
        float outputScale = init.IsAutoencoding ? inputScale : ActivationScaling.Factor(init.Target.Span, source.OutputDim);
        Rescale(init, inputScale, outputScale);
        var sae = Initialise(o, source.InputDim, source.OutputDim, init, info, rng);

        var optimizer = new AdamW(sae.Parameters, new AdamWOptions(o.LearningRate, o.Beta1, o.Beta2, WeightDecay: 0f, MaxGradNorm: o.MaxGradNorm));
        optimizer.BeforeUpdate(sae.DecoderWeight, Constraints.RemoveParallelComponentOfRows);
        optimizer.AfterStep(() => Constraints.NormalizeRows(sae.DecoderWeight));

        var schedule = LearningRateSchedule.For(o);
        var policy = o.EffectiveDeadFeatures;
        long window = o.EffectiveDeadAfterTokens;
        var resampleSteps = ResampleSteps(o, schedule, policy);
        int sparsityWarmup = Math.Max(1, (int)Math.Round(o.SparsityWarmupFraction * o.Steps));
        int auxK = o.AuxK ?? Math.Max(1, source.OutputDim / 2);
        var activity = new FeatureActivity(o.Width);
        var recent = new Queue<(double Loss, double L0, double Ev)>();
        int resampled = 0;
        long tokens = 0;

        for (int step = 0; step < o.Steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            var batch = source.Next(o.BatchSize);
            Rescale(batch, inputScale, outputScale);
            optimizer.LearningRate = schedule.At(step);
            float lambda = o.SparsityCoefficient * Math.Min(1f, (step + 1f) / sparsityWarmup);
            var dead = policy == DeadFeaturePolicy.AuxK ? activity.Dead(window) : null;

            SaeLoss loss;
            if (o.Architecture == SaeArchitecture.TopK && !o.UseAutogradForTopK)
            {
                (loss, var gradients) = TopKObjective.Compute(sae, batch, dead, auxK, o.AuxKCoefficient);
                optimizer.Step(gradients);
            }
            else
            {
                using var tape = Tape.Record();
                loss = SaeObjective.Compute(sae, batch, lambda, o.JumpReluBandwidth, dead, auxK, o.AuxKCoefficient);
                optimizer.Step(tape.Backward(loss.Total));
            }
            tokens += batch.Rows;
            activity.Observe(loss.Codes);

            if (resampleSteps.Contains(step))
            {
                var toResample = activity.Dead(window);
                FeatureResampler.Resample(sae, batch, loss.Reconstructed, toResample, rng, o.JumpReluInitialThreshold);
                foreach (int j in toResample) activity.Reset(j);
                resampled += toResample.Length;
            }

            recent.Enqueue((loss.Total.ToFloat(), loss.L0, loss.ExplainedVariance));
            if (recent.Count > SummaryWindow) recent.Dequeue();
            if (progress is not null && ((step + 1) % Math.Max(1, o.ReportEvery) == 0 || step == o.Steps - 1))
                progress.Report(new SaeTrainingProgress(step + 1, o.Steps, tokens, loss.Total.ToFloat(), loss.L0,
                    loss.ExplainedVariance, activity.Dead(window).Length));
        }

        var trained = sae.Unscaled(inputScale, outputScale);
        return new SaeTrainingResult(trained, o, inputScale, outputScale, o.Steps, tokens,
            recent.Average(r => r.Loss), recent.Average(r => r.L0), recent.Average(r => r.Ev),
            activity.Dead(window).Length, resampled);
    }

    private static TrainableSae Initialise(SaeTrainingOptions o, int dIn, int dOut, ActivationBatch init, DictionaryInfo info, Random rng)
    {
        int width = o.Width;
        var wDec = Tensor.RandomNormal(rng, 1f, width, dOut);
        Constraints.NormalizeRows(wDec);
        Tensor wEnc;
        if (init.IsAutoencoding)
        {
            wEnc = Tensor.Empty(dIn, width);
            for (int j = 0; j < width; j++)
                for (int i = 0; i < dIn; i++) wEnc.Span[i * width + j] = wDec.Span[j * dOut + i];
        }
        else
        {
            var columns = Tensor.RandomNormal(rng, 1f, width, dIn);
            Constraints.NormalizeRows(columns);
            wEnc = Tensor.Empty(dIn, width);
            for (int j = 0; j < width; j++)
                for (int i = 0; i < dIn; i++) wEnc.Span[i * width + j] = columns.Span[j * dIn + i];
        }
        var bDec = Tensor.FromArray(GeometricMedian.Of(init.Target.Span, dOut), dOut);
        Tensor? logTheta = o.Architecture == SaeArchitecture.JumpRelu
            ? Tensor.Full(MathF.Log(o.JumpReluInitialThreshold), width)
            : null;
        return new TrainableSae(o.Architecture, wEnc, Tensor.Zeros(width), wDec, bDec, logTheta, o.K, info);
    }

    /// <summary>Evenly spaced over the steps before the decay phase (resampling while the rate decays would not settle).</summary>
    private static HashSet<int> ResampleSteps(SaeTrainingOptions o, LearningRateSchedule schedule, DeadFeaturePolicy policy)
    {
        var steps = new HashSet<int>();
        if (policy != DeadFeaturePolicy.Resample || o.Resamplings <= 0) return steps;
        int span = o.Steps - schedule.DecaySteps;
        for (int i = 1; i <= o.Resamplings; i++) steps.Add((int)((long)span * i / (o.Resamplings + 1)));
        return steps;
    }

    private static void Rescale(ActivationBatch batch, float inputScale, float outputScale)
    {
        var x = batch.Input.Span;
        System.Numerics.Tensors.TensorPrimitives.Multiply(x, inputScale, x);
        if (batch.IsAutoencoding) return;
        var y = batch.Target.Span;
        System.Numerics.Tensors.TensorPrimitives.Multiply(y, outputScale, y);
    }
}
