using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Optim;

/// <summary>Hyper-parameters of <see cref="AdamW"/> (PyTorch's defaults).</summary>
public sealed record AdamWOptions(
    float LearningRate = 1e-3f,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0.01f,
    float? MaxGradNorm = null);

/// <summary>
/// AdamW (decoupled weight decay, Loshchilov &amp; Hutter) as torch.optim.AdamW computes it, with optional global
/// gradient-norm clipping, per-parameter weight decay, and hooks that run on gradients before the update (e.g. removing
/// the component parallel to unit-norm decoder columns) and on parameters after it (constraints such as unit-norm columns).
/// </summary>
public sealed class AdamW
{
    private readonly List<Slot> slots = new();
    private readonly List<Action> afterStep = new();
    private int step;

    public AdamW(IEnumerable<Tensor> parameters, AdamWOptions? options = null)
    {
        Options = options ?? new AdamWOptions();
        LearningRate = Options.LearningRate;
        foreach (var p in parameters) Add(p);
    }

    public AdamWOptions Options { get; }

    /// <summary>Current learning rate (schedules change it between steps).</summary>
    public float LearningRate { get; set; }

    public int StepCount => step;

    /// <summary>Adds a parameter, optionally with its own weight decay (e.g. 0 for biases and norms).</summary>
    public AdamW Add(Tensor parameter, float? weightDecay = null)
    {
        if (!parameter.RequiresGrad) parameter.RequireGrad();
        slots.Add(new Slot(parameter, new float[parameter.Length], new float[parameter.Length], weightDecay ?? Options.WeightDecay));
        return this;
    }

    /// <summary>Runs on a parameter's gradient (mutable, parameter-shaped) before the update.</summary>
    public AdamW BeforeUpdate(Tensor parameter, Action<Tensor, Tensor> gradientHook)
    {
        Find(parameter).GradientHooks.Add(gradientHook);
        return this;
    }

    /// <summary>Runs after every update (parameter constraints).</summary>
    public AdamW AfterStep(Action constraint)
    {
        afterStep.Add(constraint);
        return this;
    }

    /// <summary>One update from a single-seed backward pass. Returns the gradient norm before clipping.</summary>
    public double Step(Gradients gradients)
    {
        var grads = slots.Select(s => gradients.Batched(s.Parameter)?.View(s.Parameter.ShapeArray)).ToArray();
        return Step(grads);
    }

    /// <summary>One update with gradients given in parameter order (null = no gradient this step).</summary>
    public double Step(IReadOnlyList<Tensor?> gradients)
    {
        if (gradients.Count != slots.Count) throw new ArgumentException($"Expected {slots.Count} gradients, got {gradients.Count}.");
        for (int i = 0; i < slots.Count; i++)
            if (gradients[i] is { } g)
                foreach (var hook in slots[i].GradientHooks) hook(slots[i].Parameter, g);

        double norm = GlobalNorm(gradients);
        float clip = 1f;
        if (Options.MaxGradNorm is { } max && norm > 0)
        {
            double coef = max / (norm + 1e-6);
            if (coef < 1) clip = (float)coef;
        }

        step++;
        float b1 = Options.Beta1, b2 = Options.Beta2, lr = LearningRate, eps = Options.Epsilon;
        double bias1 = 1 - Math.Pow(b1, step), bias2 = 1 - Math.Pow(b2, step);
        float stepSize = (float)(lr / bias1);
        float sqrtBias2 = (float)Math.Sqrt(bias2);
        for (int i = 0; i < slots.Count; i++)
        {
            if (gradients[i] is not { } grad) continue;
            var slot = slots[i];
            var m = slot.M;
            var v = slot.V;
            float decay = 1 - lr * slot.WeightDecay;
            Parallelism.ForRange(slot.Parameter.Length, 16, (start, end) =>
            {
                var ps = slot.Parameter.Span;
                var gs = grad.Span;
                for (int j = start; j < end; j++)
                {
                    float gj = gs[j] * clip;
                    m[j] = b1 * m[j] + (1 - b1) * gj;
                    v[j] = b2 * v[j] + (1 - b2) * gj * gj;
                    ps[j] = ps[j] * decay - stepSize * m[j] / (MathF.Sqrt(v[j]) / sqrtBias2 + eps);
                }
            });
        }
        foreach (var c in afterStep) c();
        return norm;
    }

    private static double GlobalNorm(IReadOnlyList<Tensor?> gradients)
    {
        double sq = 0;
        foreach (var g in gradients)
        {
            if (g is null) continue;
            foreach (var x in g.Span) sq += (double)x * x;
        }
        return Math.Sqrt(sq);
    }

    private Slot Find(Tensor parameter) =>
        slots.FirstOrDefault(s => ReferenceEquals(s.Parameter, parameter))
        ?? throw new ArgumentException("Not a parameter of this optimiser.");

    private sealed record Slot(Tensor Parameter, float[] M, float[] V, float WeightDecay)
    {
        public List<Action<Tensor, Tensor>> GradientHooks { get; } = new();
    }
}
