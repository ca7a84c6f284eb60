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
/// <item>the new row is x (error kept) or dec(a) + a_ε (error ablated) plus the decoder rows of the features whose
/// value changes, never a dense decode.</item>
/// </list>
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

    public SiteIntervention(SitePlan plan, IFeatureDictionary dictionary, SiteAblation ablation, RunCounters counters)
    {
        this.plan = plan;
        this.dictionary = dictionary;
        this.ablation = ablation;
        this.counters = counters;
        subsetSupported = SubsetEncoder.Supports(dictionary);
    }

    /// <summary>The activation to continue with, for x [B, S, d] of the chunk whose first example is
    /// <paramref name="firstExample"/>; <paramref name="clean"/> is that chunk's plain run.</summary>
    public Tensor Apply(Tensor x, ChunkStates clean, int firstExample)
    {
        int positions = x.Dim(1), rows = x.Rows, d = x.Columns;
        var output = Tensor.Empty(x.ShapeArray);
        ReadOnlySpan<float> xs = x.Span;
        var o = output.Span;
        var values = ablation.Activation.Span;
        var edits = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            int p = r % positions;
            switch (plan.Action(p))
            {
                case RowAction.KeepAll:
                    xs.Slice(r * d, d).CopyTo(o.Slice(r * d, d));
                    break;
                case RowAction.AblateAll:
                    values.Slice(ablation.RowOf(firstExample + r / positions, p) * d, d).CopyTo(o.Slice(r * d, d));
                    break;
                default:
                    edits.Add(r);
                    break;
            }
        }
        if (edits.Count == 0) return output;

        var features = Features(x, clean, edits, positions);
        var weights = dictionary.DecoderWeight.Storage;
        var input = x.Storage;
        var outputs = output.Storage;
        var ablated = ablation.Activation.Storage;
        Parallelism.ForRange(edits.Count, 64L * d, (start, end) =>
        {
            for (int e = start; e < end; e++)
            {
                int r = edits[e], p = r % positions;
                int valueRow = ablation.RowOf(firstExample + r / positions, p);
                bool errorKept = plan.ErrorKept(p);
                var row = outputs.Span.Slice(r * d, d);
                (errorKept ? input.Span.Slice(r * d, d) : ablated.Span.Slice(valueRow * d, d)).CopyTo(row);
                var (codes, codeRow) = features[r];
                AddChanges(row, weights.Span, d, plan.Needed(p), errorKept,
                    codes.IndicesOf(codeRow), codes.ValuesOf(codeRow), ablation.Features.IndicesOf(valueRow), ablation.Features.ValuesOf(valueRow));
            }
        });
        return output;
    }

    /// <summary>
    /// row += Σ_j c_j·W_dec[j] over the needed features active in f or a, with c_j = a_j − f_j when the error is kept
    /// (x already holds f; the ablated features move to a) and f_j − a_j when it is ablated (dec(a) + a_ε already holds
    /// a; the kept features move back to f).
    /// </summary>
    private static void AddChanges(Span<float> row, ReadOnlySpan<float> weights, int d, bool[] needed, bool errorKept,
        ReadOnlySpan<int> fIndex, ReadOnlySpan<float> fValue, ReadOnlySpan<int> aIndex, ReadOnlySpan<float> aValue)
    {
        int i = 0, k = 0;
        while (i < fIndex.Length || k < aIndex.Length)
        {
            int j = k >= aIndex.Length || (i < fIndex.Length && fIndex[i] <= aIndex[k]) ? fIndex[i] : aIndex[k];
            float f = i < fIndex.Length && fIndex[i] == j ? fValue[i++] : 0f;
            float a = k < aIndex.Length && aIndex[k] == j ? aValue[k++] : 0f;
            if (!needed[j]) continue;
            float c = errorKept ? a - f : f - a;
            if (c != 0f) TensorPrimitives.MultiplyAdd(weights.Slice(j * d, d), c, row, row);
        }
    }

    /// <summary>For every edited row, where its features f = enc(x) are: the clean run's codes when the row is
    /// unchanged, else a fresh (full or subset) encoding.</summary>
    private (SparseCodes Codes, int Row)[] Features(Tensor x, ChunkStates clean, List<int> edits, int positions)
    {
        int d = x.Columns;
        var result = new (SparseCodes, int)[x.Rows];
        var cleanX = clean.Activations.At(plan.Site).Span;
        var cleanCodes = clean.Codes(plan.Site);
        ReadOnlySpan<float> xs = x.Span;
        var full = new List<int>();
        var subset = new Dictionary<int, List<int>>();
        foreach (int r in edits)
        {
            int p = r % positions;
            if (xs.Slice(r * d, d).SequenceEqual(cleanX.Slice(r * d, d)))
            {
                result[r] = (cleanCodes, r);
                counters.ReusedRows++;
            }
            else if (subsetSupported && (long)plan.NeededCount(p) * SubsetRatio <= plan.FeatureCount)
            {
                int key = plan.Positions == 1 ? 0 : p;
                if (!subset.TryGetValue(key, out var list)) subset[key] = list = new List<int>();
                list.Add(r);
            }
            else full.Add(r);
        }
        if (full.Count > 0)
        {
            var codes = dictionary.EncodeSparse(Gather(xs, full, d));
            for (int i = 0; i < full.Count; i++) result[full[i]] = (codes, i);
            counters.FullyEncodedRows += full.Count;
        }
        foreach (var (key, list) in subset)
        {
            var codes = SubsetEncoder.Encode(dictionary, Gather(xs, list, d).Span, list.Count, plan.NeededList(key));
            for (int i = 0; i < list.Count; i++) result[list[i]] = (codes, i);
            counters.SubsetEncodedRows += list.Count;
        }
        return result;
    }

    private static Tensor Gather(ReadOnlySpan<float> xs, List<int> rows, int d)
    {
        var t = Tensor.Empty(rows.Count, d);
        for (int i = 0; i < rows.Count; i++) xs.Slice(rows[i] * d, d).CopyTo(t.Span.Slice(i * d, d));
        return t;
    }
}
