using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Tests.Circuits.Evaluation;

/// <summary>
/// The reference's run_with_ablations written out densely and independently of the library's evaluation code: plain
/// forward passes with hooks, dense encodes f = Encode(x) and decodes, per-position means of f and ε over the patch
/// run, and at every evaluated site f[¬keep] = a[¬keep], ε = a_ε where the error is ablated, x ← Decode(f) + ε.
/// </summary>
internal sealed class HandAblation
{
    private readonly Transformer model;
    private readonly DictionarySet dictionaries;
    private readonly MetricFunction metric;
    private readonly Dictionary<Site, (float[] Features, float[] Error)> means = new();

    /// <param name="metric">Per-sequence metric of the final residual stream (default L[clean] − L[patch]).</param>
    public HandAblation(Transformer model, DictionarySet dictionaries, IReadOnlyList<PromptExample> examples, MetricFunction? metric = null)
    {
        this.metric = metric ?? CircuitMetrics.EvaluationLogitDifference;
        this.model = model;
        this.dictionaries = dictionaries;
        Clean = TokenBatch.Stack(examples.Select(e => e.CleanIds).ToArray());
        Patch = TokenBatch.Stack(examples.Select(e => e.PatchIds ?? e.CleanIds).ToArray());
        Targets = new MetricTargets(examples.Select(e => e.CleanAnswerId).ToArray(), examples[0].PatchAnswerId is null ? null : examples.Select(e => e.PatchAnswerId!.Value).ToArray());
        Positions = examples[0].Length;
    }

    public TokenBatch Clean { get; }
    public TokenBatch Patch { get; }
    public MetricTargets Targets { get; }
    public int Positions { get; }

    /// <summary>The activation of every site in a plain forward of <paramref name="tokens"/>, [B·S, d].</summary>
    public Dictionary<Site, Tensor> Activations(TokenBatch tokens, IEnumerable<Site> sites)
    {
        var result = new Dictionary<Site, Tensor>();
        var hooks = new ForwardHooks();
        foreach (var site in sites) hooks.Read(site.Name, x => result[site] = x.Clone().View(x.Rows, x.Columns));
        using var _ = Tape.NoGrad();
        model.Forward(tokens, hooks);
        return result;
    }

    /// <summary>Dense f [rows, F] and ε = x − dec(f) [rows, d] of activations x [rows, d].</summary>
    public (Tensor Features, Tensor Error) Decompose(Site site, Tensor x)
    {
        using var _ = Tape.NoGrad();
        var f = dictionaries[site].Encode(x).Clone();
        var xhat = dictionaries[site].Decode(f);
        var error = Tensor.Empty(x.ShapeArray);
        for (int i = 0; i < error.Length; i++) error.Span[i] = x.Span[i] - xhat.Span[i];
        return (f, error);
    }

    /// <summary>Per-position means over the patch run: a [S, F] and a_ε [S, d] (float64 sums).</summary>
    public (float[] Features, float[] Error) Means(Site site)
    {
        if (means.TryGetValue(site, out var known)) return known;
        var x = Activations(Patch, [site])[site];
        var (f, e) = Decompose(site, x);
        return means[site] = (Mean(f.Span, f.Columns), Mean(e.Span, e.Columns));
    }

    /// <summary>Mean metric of the plain model.</summary>
    public double FullModel()
    {
        using var _ = Tape.NoGrad();
        var resid = model.ResidualStream(Clean);
        return metric(model, resid, Targets).Span.ToArray().Average(v => (double)v);
    }

    /// <summary>
    /// The metric per example when each site of <paramref name="keep"/> keeps the nodes the function says
    /// (keep(position, index), index F = the error node) and takes the mean-ablation values elsewhere.
    /// </summary>
    public float[] Run(IReadOnlyDictionary<Site, Func<int, int, bool>> keep)
    {
        var values = keep.Keys.ToDictionary(s => s, Means);
        var hooks = new ForwardHooks();
        foreach (var (site, keeps) in keep)
        {
            var (a, ae) = values[site];
            hooks.Replace(site.Name, x =>
            {
                var rows = x.View(x.Rows, x.Columns);
                var (f, e) = Decompose(site, rows);
                int width = f.Columns, d = e.Columns;
                for (int r = 0; r < f.Rows; r++)
                {
                    int p = r % Positions;
                    for (int j = 0; j < width; j++)
                        if (!keeps(p, j)) f.Span[r * width + j] = a[p * width + j];
                    if (!keeps(p, width))
                        for (int i = 0; i < d; i++) e.Span[r * d + i] = ae[p * d + i];
                }
                using var _ = Tape.NoGrad();
                var y = dictionaries[site].Decode(f).Clone();
                for (int i = 0; i < y.Length; i++) y.Span[i] += e.Span[i];
                return y.View(x.ShapeArray);
            });
        }
        using var __ = Tape.NoGrad();
        var resid = model.ResidualStream(Clean, hooks);
        return metric(model, resid, Targets).ToArray();
    }

    private float[] Mean(ReadOnlySpan<float> rows, int width)
    {
        var sum = new double[Positions * width];
        int n = rows.Length / width;
        for (int r = 0; r < n; r++)
            for (int j = 0; j < width; j++) sum[(r % Positions) * width + j] += rows[r * width + j];
        int examples = n / Positions;
        return sum.Select(v => (float)(v / examples)).ToArray();
    }
}
