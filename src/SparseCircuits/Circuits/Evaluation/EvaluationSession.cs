using SparseCircuits.Circuits.Data;
using SparseCircuits.Circuits.Metrics;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Everything a sweep shares, computed once: the plain clean run of every chunk (activations, block inputs, features
/// and the metric, i.e. F(M)) and the ablation values (pass 1). <see cref="Run"/> then makes pass 2 for any masks
/// (algorithm §7), starting each forward pass where the masks first change something:
/// <list type="bullet">
/// <item>sites before the first site the masks touch are not run: the forward starts from the cached clean input of
/// that site's block;</item>
/// <item>when a residual (or embedding) site ablates every node, nothing before it matters: the forward starts from
/// its ablation activation;</item>
/// <item>masks that ablate nothing give F(M) with no forward at all.</item>
/// </list>
/// </summary>
public sealed class EvaluationSession
{
    private readonly Transformer model;
    private readonly DictionarySet dictionaries;
    private readonly IReadOnlyList<ExampleChunk> chunks;
    private readonly IReadOnlyList<ChunkStates> clean;
    private readonly MetricFunction metric;
    private readonly float[] cleanMetric;

    private EvaluationSession(Transformer model, DictionarySet dictionaries, IReadOnlyList<Site> sites, IReadOnlyList<ExampleChunk> chunks,
        IReadOnlyList<ChunkStates> clean, AblationValues ablations, MetricFunction metric, int positions)
    {
        this.model = model;
        this.dictionaries = dictionaries;
        this.chunks = chunks;
        this.clean = clean;
        this.metric = metric;
        Sites = sites;
        Ablations = ablations;
        Positions = positions;
        using (Tape.NoGrad())
            cleanMetric = chunks.SelectMany((c, i) => metric(model, clean[i].Activations.Residual, c.Targets).ToArray()).ToArray();
    }

    /// <summary>The evaluated sites, in forward order.</summary>
    public IReadOnlyList<Site> Sites { get; }

    /// <summary>The values ablated nodes take.</summary>
    public AblationValues Ablations { get; }

    /// <summary>The examples' token length S.</summary>
    public int Positions { get; }

    public int Examples => cleanMetric.Length;

    /// <summary>The metric of the unablated model, per example.</summary>
    public IReadOnlyList<float> FullModelMetric => cleanMetric;

    /// <summary>F(M): the mean metric of the unablated model.</summary>
    public double FullModel => cleanMetric.Average(v => (double)v);

    public RunCounters Counters { get; } = new();

    /// <summary>
    /// Prepares a session on <paramref name="examples"/> (one token length) for the dictionaries at
    /// <paramref name="sites"/>: one plain forward of the clean prompts, and pass 1 on the patch prompts (or the clean
    /// run again for unpaired data) unless the ablation is zero.
    /// </summary>
    /// <param name="metric">The metric; null picks <see cref="EvaluationMetric.For"/> the data.</param>
    public static EvaluationSession Create(Transformer model, DictionarySet dictionaries, IReadOnlyList<Site> sites,
        IReadOnlyList<PromptExample> examples, AblationKind ablation, int seed = 0, int batchSize = 64, MetricFunction? metric = null)
    {
        var ordered = sites.OrderBy(s => s.Order).ToArray();
        if (ordered.Length == 0) throw new SfcInputException("no sites to evaluate (are all of them below --start-layer?)");
        foreach (var site in ordered)
        {
            if (!dictionaries.TryGetValue(site, out var dictionary))
                throw new SfcInputException($"site {site} has no dictionary in {dictionaries.Source}");
            if (dictionary.Info.IsTranscoder)
                throw new SfcInputException($"site {site}: evaluating circuits over transcoders ({dictionary.Info.Source}) is not supported");
        }
        var chunks = ExampleChunk.Split(examples, batchSize);
        var clean = chunks.Select(c => ChunkStates.Capture(model, dictionaries, ordered, c.Clean)).ToList();
        bool paired = chunks[0].Patch is not null;
        IReadOnlyList<ChunkStates> patch = ablation == AblationKind.Zero ? []
            : paired ? chunks.Select(c => ChunkStates.Capture(model, dictionaries, ordered, c.Patch!)).ToList()
            : clean;
        var values = AblationValues.From(dictionaries, ordered, patch, examples.Count, examples[0].Length, ablation, seed);
        return new EvaluationSession(model, dictionaries, ordered, chunks, clean, values, metric ?? EvaluationMetric.For(paired), examples[0].Length);
    }

    /// <summary>Mean metric over the examples with the nodes <paramref name="masks"/> does not keep ablated.</summary>
    public double Score(NodeMasks masks, ErrorHandling errors = ErrorHandling.Default) => Run(masks, errors).Average(v => (double)v);

    /// <summary>Pass 2: the metric per example when every evaluated site keeps only the nodes of
    /// <paramref name="masks"/> (one mask per evaluated site), error nodes treated as <paramref name="errors"/> says.</summary>
    public float[] Run(NodeMasks masks, ErrorHandling errors = ErrorHandling.Default)
    {
        var plans = Plans(masks, errors);
        int first = Array.FindIndex(plans, p => !p.KeepsAll);
        if (first < 0) return (float[])cleanMetric.Clone();
        int restart = Array.FindLastIndex(plans, p => p.AblatesAll && p.Site.Kind is SiteKind.Embed or SiteKind.Resid);
        Counters.SplicedForwards++;
        var interventions = plans.Select(p => new SiteIntervention(p, dictionaries[p.Site], Ablations[p.Site], Counters)).ToArray();
        var result = new float[Examples];
        using var _ = Tape.NoGrad();
        for (int c = 0; c < chunks.Count; c++)
        {
            var chunk = chunks[c];
            var states = clean[c];
            var hooks = new ForwardHooks();
            int hookedFrom = restart >= 0 ? restart + 1 : first;
            for (int i = hookedFrom; i < plans.Length; i++)
            {
                var intervention = interventions[i];
                hooks.Replace(plans[i].Site.Name, x => intervention.Apply(x, states, chunk.FirstExample));
            }
            Tensor resid;
            int fromLayer;
            if (restart >= 0)
            {
                var site = plans[restart].Site;
                resid = AblationActivation(site, chunk);
                fromLayer = site.Kind == SiteKind.Embed ? 0 : site.Layer + 1;
            }
            else if (plans[first].Site.Kind == SiteKind.Embed)
            {
                resid = model.Embed(chunk.Clean, hooks);
                fromLayer = 0;
            }
            else
            {
                fromLayer = plans[first].Site.Layer;
                resid = states.Activations.BlockInput(fromLayer);
            }
            for (int l = fromLayer; l < model.Config.Layers; l++) resid = model.Block(l, resid, hooks);
            metric(model, resid, chunk.Targets).Span.CopyTo(result.AsSpan(chunk.FirstExample));
        }
        return result;
    }

    /// <summary>Masks that keep every node (<paramref name="keep"/>) or none, at every evaluated site: for F(∅) and
    /// for building masks by hand.</summary>
    public NodeMasks UniformMasks(bool keep) =>
        new(Sites.Select(s => SiteMask.Uniform(s, dictionaries[s].Width, 1, keep)));

    private SitePlan[] Plans(NodeMasks masks, ErrorHandling errors)
    {
        if (masks.Sites.Count != Sites.Count || masks.Sites.Where((m, i) => m.Site != Sites[i]).Any())
            throw new ArgumentException($"Masks for sites [{string.Join(", ", masks.Sites.Select(m => m.Site))}]; the session evaluates [{string.Join(", ", Sites)}].");
        foreach (var m in masks.Sites)
        {
            if (m.FeatureCount != dictionaries[m.Site].Width)
                throw new ArgumentException($"Mask of {m.FeatureCount} features at {m.Site}; its dictionary has {dictionaries[m.Site].Width}.");
            if (m.Positions != 1 && m.Positions != Positions)
                throw new ArgumentException($"Mask of {m.Positions} positions at {m.Site}; the examples have {Positions} tokens.");
        }
        return masks.Sites.Select(m => SitePlan.Create(m, errors)).ToArray();
    }

    /// <summary>The ablation activation of <paramref name="site"/> for every row of a chunk, [B, S, d].</summary>
    private Tensor AblationActivation(Site site, ExampleChunk chunk)
    {
        var values = Ablations[site];
        int d = values.Activation.Columns;
        var x = Tensor.Empty(chunk.Count, Positions, d);
        for (int b = 0; b < chunk.Count; b++)
            for (int s = 0; s < Positions; s++)
                values.Activation.Span.Slice(values.RowOf(chunk.FirstExample + b, s) * d, d).CopyTo(x.Span.Slice((b * Positions + s) * d, d));
        return x;
    }
}
