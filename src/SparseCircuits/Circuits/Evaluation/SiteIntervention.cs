using System.Numerics.Tensors;
using SparseCircuits.Dictionaries;
using SparseCircuits.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// Pass 2 at one site (algorithm §7): the site's current activation x (already reflecting upstream ablations) is
/// re-encoded, the ablated features take their ablation values, the whole error vector is replaced when the error
/// node is ablated, and dec(f′) + ε′ is written back. Work is spent only where it can change anything:
/// <list type="bullet">
/// <item>rows that keep every node stay x; rows that ablate every node become dec(a) + a_ε with no encoding;</item>
/// <item>a row equal to the clean run's (nothing upstream reached it yet) reuses the clean features;</item>
/// <item>when few features matter (see <see cref="SitePlan"/>) and the activation is per-feature, only those are
/// encoded; otherwise the row is encoded fully;</item>
/// <item>the new row is x or dec(a) + a_ε plus decoder rows of the active features that matter, and a part shared
/// by every row of a position (<see cref="Base"/>); nothing is decoded densely.</item>
/// </list>
/// One instance serves one run (one set of masks), over every chunk of examples.
/// </summary>
internal sealed class SiteIntervention
{
    /// <summary>Encode a subset when it is at most this fraction of the features (below it one GEMM over the
    /// gathered columns beats a full encode).</summary>
    private const int SubsetRatio = 8;

    private readonly SitePlan plan;
    private readonly IFeatureDictionary dictionary;
    private readonly SiteAblation ablation;
    private readonly RunCounters counters;
    private readonly bool subsetSupported;

    /// <summary>Per ablation-value row, the part of an edited row that does not depend on x (see <see cref="Base"/>).</summary>
    private readonly Dictionary<int, float[]> baseRows = new();

    public SiteIntervention(SitePlan plan, IFeatureDictionary dictionary, SiteAblation ablation, RunCounters counters)
    {
        this.plan = plan;
        this.dictionary = dictionary;
        this.ablation = ablation;
        this.counters = counters;
        subsetSupported = SubsetEncoder.Supports(dictionary);
    }

    /// <summary>
    /// Phase 1 for this run's rows of a stacked activation x [R, S, d] (rows <paramref name="rowStart"/>.. hold the
    /// chunk whose first example is <paramref name="firstExample"/>; <paramref name="clean"/> is its plain run):
    /// writes the rows kept or ablated whole into <paramref name="output"/>, finds the edited rows' features (reused,
    /// subset-encoded now, or queued on <paramref name="fullBatch"/>) and returns what <see cref="Finish"/> needs.
    /// </summary>
    public Pending Begin(Tensor x, Tensor output, int rowStart, ChunkStates clean, int firstExample, FullEncodeBatch fullBatch)
    {
        int positions = x.Dim(1), d = x.Columns;
        var cleanX = clean.Activations.At(plan.Site);
        int rows = cleanX.Rows;
        ReadOnlySpan<float> xs = x.Span;
        var o = output.Span;
        var values = ablation.Activation.Span;
        var edits = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            int p = r % positions, g = rowStart + r;
            switch (plan.Action(p))
            {
                case RowAction.KeepAll:
                    xs.Slice(g * d, d).CopyTo(o.Slice(g * d, d));
                    break;
                case RowAction.AblateAll:
                    values.Slice(ablation.RowOf(firstExample + r / positions, p) * d, d).CopyTo(o.Slice(g * d, d));
                    break;
                default:
                    edits.Add(r);
                    break;
            }
        }
        var sources = new (SparseCodes? Codes, int Row)[rows];
        var tickets = new int[rows];
        var subset = new Dictionary<int, List<int>>();
        var cs = cleanX.Span;
        foreach (int r in edits)
        {
            int p = r % positions, g = rowStart + r;
            tickets[r] = -1;
            if (xs.Slice(g * d, d).SequenceEqual(cs.Slice(r * d, d)))
            {
                sources[r] = (clean.Codes(plan.Site), r);
                counters.ReusedRows++;
            }
            else if (subsetSupported && (long)plan.NeededCount(p) * SubsetRatio <= plan.FeatureCount)
            {
                int key = plan.Positions == 1 ? 0 : p;
                if (!subset.TryGetValue(key, out var list)) subset[key] = list = new List<int>();
                list.Add(r);
            }
            else tickets[r] = fullBatch.Add(g);
        }
        foreach (var (key, list) in subset)
        {
            var gathered = Tensor.Empty(list.Count, d);
            for (int i = 0; i < list.Count; i++) xs.Slice((rowStart + list[i]) * d, d).CopyTo(gathered.Span.Slice(i * d, d));
            var codes = SubsetEncoder.Encode(dictionary, gathered.Span, list.Count, plan.NeededList(key));
            for (int i = 0; i < list.Count; i++) sources[list[i]] = (codes, i);
            counters.SubsetEncodedRows += list.Count;
        }
        return new Pending(edits, sources, tickets, rowStart, firstExample);
    }

    /// <summary>Phase 2, once <paramref name="fullBatch"/> is encoded: writes the edited rows' parts that do not need
    /// the decoder and queues the rest on <paramref name="decode"/> (applied by the caller, for every run at once).</summary>
    public void Finish(Pending pending, Tensor x, Tensor output, FullEncodeBatch fullBatch, DecodeBatch decode)
    {
        var edits = pending.Edits;
        if (edits.Count == 0) return;
        int positions = x.Dim(1), d = x.Columns, rowStart = pending.RowStart, firstExample = pending.FirstExample;
        foreach (int r in edits)
            if (pending.Tickets[r] >= 0) pending.Sources[r] = fullBatch[pending.Tickets[r]];

        var missing = edits.Select(r => ablation.RowOf(firstExample + r / positions, r % positions)).Distinct().Where(k => !baseRows.ContainsKey(k)).ToArray();
        var made = new float[missing.Length][];
        Parallelism.For(missing.Length, (long)plan.FeatureCount * d / 8, i => made[i] = Base(missing[i], missing[i] % positions, d));
        for (int i = 0; i < missing.Length; i++) baseRows[missing[i]] = made[i];

        // Each edited row starts from x + c (error kept: the ablated features move from f to a, and c holds their a
        // part) or from c (error ablated: c holds dec(a) + a_ε less the kept features' a part); the decode batch then
        // adds ∓f_j·W_j over its active needed features.
        var o = output.Span;
        ReadOnlySpan<float> xs = x.Span;
        foreach (int r in edits)
        {
            int p = r % positions, g = rowStart + r;
            var c = baseRows[ablation.RowOf(firstExample + r / positions, p)];
            var row = o.Slice(g * d, d);
            bool errorKept = plan.ErrorKept(p);
            if (errorKept) TensorPrimitives.Add(xs.Slice(g * d, d), c, row);
            else c.CopyTo(row);
            var needed = plan.Needed(p);
            var (codes, codeRow) = pending.Sources[r];
            var index = codes!.IndicesOf(codeRow);
            var value = codes.ValuesOf(codeRow);
            decode.Reserve(g, index.Length, out var features, out var coefficients);
            int used = 0;
            for (int k = 0; k < index.Length; k++)
                if (needed[index[k]])
                {
                    features[used] = index[k];
                    coefficients[used++] = errorKept ? -value[k] : value[k];
                }
            decode.Commit(used);
        }
    }

    /// <summary>What phase 1 leaves for phase 2: the edited rows (chunk-relative) and where their features are.</summary>
    internal sealed record Pending(List<int> Edits, (SparseCodes? Codes, int Row)[] Sources, int[] Tickets, int RowStart, int FirstExample);

    /// <summary>
    /// The part of an edited row that depends only on the ablation values: c = Σ_{j ablated} a_j·W_j when the error is
    /// kept, c = dec(a) + a_ε − Σ_{j kept} a_j·W_j when it is ablated. Summed over whichever of the ablated or kept
    /// features has fewer active ablation values, using dec(a) − b_dec = Σ_j a_j·W_j for the rest. Shared by every row
    /// of a position under mean or zero ablation, so it is made once per position and run.
    /// </summary>
    private float[] Base(int valueRow, int position, int d)
    {
        bool errorKept = plan.ErrorKept(position);
        var needed = plan.Needed(position);
        var index = ablation.Features.IndicesOf(valueRow);
        var value = ablation.Features.ValuesOf(valueRow);
        int inNeeded = 0;
        foreach (int j in index) if (needed[j]) inNeeded++;
        bool sumNeeded = inNeeded <= index.Length - inNeeded;
        var c = new float[d];
        var activation = ablation.Activation.Span.Slice(valueRow * d, d);
        var error = ablation.Error.Span.Slice(valueRow * d, d);
        var bias = dictionary.DecoderBias.Span;
        if (errorKept && !sumNeeded)
        {
            // Σ_{ablated} a_j·W_j = (dec(a) − b_dec) − Σ_{kept} a_j·W_j
            TensorPrimitives.Subtract(activation, error, c);
            TensorPrimitives.Subtract(c, bias, c);
        }
        else if (!errorKept && sumNeeded) activation.CopyTo(c); // dec(a) + a_ε − Σ_{kept} a_j·W_j
        else if (!errorKept) TensorPrimitives.Add(error, bias, c); // a_ε + b_dec + Σ_{ablated} a_j·W_j
        // errorKept && sumNeeded: Σ_{ablated} a_j·W_j from zero.
        float sign = errorKept == sumNeeded ? 1f : -1f;
        var w = dictionary.DecoderWeight.Span;
        for (int k = 0; k < index.Length; k++)
            if (needed[index[k]] == sumNeeded) TensorPrimitives.MultiplyAdd(w.Slice(index[k] * d, d), sign * value[k], c, c);
        return c;
    }
}
