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
    public float[] Run(NodeMasks masks, ErrorHandling errors = ErrorHandling.Default) => RunMany([masks], errors)[0];

    /// <summary>
    /// <see cref="Run"/> for several sets of masks at once: their runs are stacked along the batch of one forward pass
    /// (up to <see cref="MaxStackedRows"/> rows), so that the encodings of every run at a site are one tall product.
    /// </summary>
    /// <param name="progress">Called with the fraction of the work done after each site of each stacked pass.</param>
    public float[][] RunMany(IReadOnlyList<NodeMasks> masks, ErrorHandling errors = ErrorHandling.Default, Action<double>? progress = null)
    {
        var results = new float[masks.Count][];
        var runs = new List<PlannedRun>();
        for (int k = 0; k < masks.Count; k++)
        {
            var run = Plan(k, masks[k], errors);
            if (run is null) results[k] = (float[])cleanMetric.Clone();
            else
            {
                runs.Add(run);
                results[k] = new float[Examples];
            }
        }
        Counters.SplicedForwards += runs.Count;
        int rowsPerRun = Math.Max(1, chunks.Max(c => c.Count) * Positions);
        int perPass = Math.Max(1, MaxStackedRows / rowsPerRun);
        runs = runs.OrderBy(r => r.StartLayer).ToList(); // a pass's batch grows as runs join at their start layers
        using var _ = Tape.NoGrad();
        double total = (double)runs.Count * Examples, done = 0;
        for (int start = 0; start < runs.Count; start += perPass)
        {
            var group = runs.Skip(start).Take(perPass).ToArray();
            for (int c = 0; c < chunks.Count; c++)
            {
                double pass = (double)group.Length * chunks[c].Count, before = done;
                var metric = Stacked(group, c, fraction => progress?.Invoke((before + fraction * pass) / total));
                done += pass;
                int n = chunks[c].Count;
                for (int k = 0; k < group.Length; k++) Array.Copy(metric, k * n, results[group[k].Index], chunks[c].FirstExample, n);
            }
        }
        return results;
    }

    /// <summary>Rows (examples × positions × runs) one stacked forward pass holds at most.</summary>
    public int MaxStackedRows { get; set; } = 2048;

    /// <summary>
    /// Where one run must start: a run whose masks ablate nothing needs no forward (null); one whose last fully
    /// ablated residual (or embedding) site is s starts after s from s's ablation activation; any other starts at the
    /// block of the first site its masks touch, from that block's clean input.
    /// </summary>
    private PlannedRun? Plan(int index, NodeMasks masks, ErrorHandling errors)
    {
        var plans = Plans(masks, errors);
        int first = Array.FindIndex(plans, p => !p.KeepsAll);
        if (first < 0) return null;
        int restart = Array.FindLastIndex(plans, p => p.AblatesAll && p.Site.Kind is SiteKind.Embed or SiteKind.Resid);
        var interventions = plans.Select(p => new SiteIntervention(p, dictionaries[p.Site], Ablations[p.Site], Counters)).ToArray();
        if (restart >= 0)
        {
            var site = plans[restart].Site;
            return new PlannedRun(index, interventions, restart, site.Kind == SiteKind.Embed ? 0 : site.Layer + 1, site);
        }
        var firstSite = plans[first].Site;
        return new PlannedRun(index, interventions, first, firstSite.Kind == SiteKind.Embed ? -1 : firstSite.Layer, null);
    }

    /// <summary>
    /// One forward pass of chunk <paramref name="c"/> repeated once per run of <paramref name="group"/> (sorted by
    /// start layer): the stacked batch grows as it goes, each run joining at its own start layer, so no run computes a
    /// block it does not need. Returns the metric, run after run.
    /// </summary>
    private float[] Stacked(PlannedRun[] group, int c, Action<double> onSite)
    {
        var chunk = chunks[c];
        var states = clean[c];
        int rowsPerRun = chunk.Count * Positions, d = model.Config.DModel, layers = model.Config.Layers;
        var hooks = new ForwardHooks();
        for (int i = group.Min(r => r.ActiveFrom); i < Sites.Count; i++)
        {
            int siteIndex = i;
            hooks.Replace(Sites[i].Name, x =>
            {
                var y = Step(siteIndex, x, group, states, chunk.FirstExample, rowsPerRun);
                onSite((siteIndex + 1.0) / Sites.Count);
                return y;
            });
        }
        int joined = group.Count(r => r.StartLayer < 0);
        Tensor? resid = joined > 0 ? model.Embed(chunk.Clean.Repeat(joined), hooks) : null;
        for (int l = 0; l <= layers; l++)
        {
            int joining = group.Skip(joined).Count(r => r.StartLayer == l);
            if (joining > 0)
            {
                var grown = Tensor.Empty((joined + joining) * chunk.Count, Positions, d);
                resid?.Span.CopyTo(grown.Span);
                for (int k = joined; k < joined + joining; k++)
                {
                    var rows = group[k].RestartSite is { } site ? AblationActivation(site, chunk) : states.Activations.BlockInput(l);
                    rows.Span.CopyTo(grown.Span.Slice(k * rowsPerRun * d, rowsPerRun * d));
                }
                resid = grown;
                joined += joining;
            }
            if (l < layers && resid is not null) resid = model.Block(l, resid, hooks);
        }
        Counters.StackedForwards++;
        return metric(model, resid!, chunk.Targets.Repeat(group.Length)).ToArray();
    }

    /// <summary>Site <paramref name="i"/> for every run of the stacked activation x: rows of runs that have not
    /// started yet pass through; the others are edited, their full encodings shared in one batch.</summary>
    private Tensor Step(int i, Tensor x, PlannedRun[] group, ChunkStates states, int firstExample, int rowsPerRun)
    {
        var output = Tensor.Empty(x.ShapeArray);
        var batch = new FullEncodeBatch(dictionaries[Sites[i]], x);
        var pending = new SiteIntervention.Pending?[group.Length];
        int d = x.Columns;
        int present = x.Dim(0) * x.Dim(1) / rowsPerRun; // the runs that have joined the pass so far
        for (int k = 0; k < present; k++)
        {
            if (i < group[k].ActiveFrom)
                x.Span.Slice(k * rowsPerRun * d, rowsPerRun * d).CopyTo(output.Span.Slice(k * rowsPerRun * d, rowsPerRun * d));
            else pending[k] = group[k].Interventions[i].Begin(x, output, k * rowsPerRun, states, firstExample, batch);
        }
        batch.Encode(Counters);
        var decode = new DecodeBatch(dictionaries[Sites[i]]);
        for (int k = 0; k < present; k++)
            if (pending[k] is { } p) group[k].Interventions[i].Finish(p, x, output, batch, decode);
        decode.Apply(output);
        return output;
    }

    /// <summary>A run ready to go: its per-site interventions, the site index from which they act, and where its
    /// forward starts (layer −1: the embedding; <paramref name="RestartSite"/>: from that site's ablation
    /// activation).</summary>
    private sealed record PlannedRun(int Index, SiteIntervention[] Interventions, int ActiveFrom, int StartLayer, Site? RestartSite);

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
