using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// TopK SAE (SAELens <c>topk</c>, dictionary_learning <c>AutoEncoderTopK</c>): the k largest pre-activations of each row
/// are kept and passed through ReLU, the rest are zero. Among equal values the lower index wins.
/// </summary>
public sealed class TopKSae : SparseAutoencoder
{
    public const string KindName = "topk";

    public TopKSae(DictionaryInfo info, SaeWeights weights, int k) : base(info, weights)
    {
        if (k < 1 || k > Width) throw new ArgumentOutOfRangeException(nameof(k), $"TopK k = {k} for {Width} features.");
        K = k;
    }

    public int K { get; }

    protected override int MaxActive => K;

    public static TopKSae Create(Site site, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, int k, bool applyDecoderBiasToInput = true, string source = "") =>
        new(new DictionaryInfo(KindName, site, site, source), SaeWeights.SaeLens(wEnc, bEnc, wDec, bDec, applyDecoderBiasToInput), k);

    protected override Tensor Activate(Tensor preActivations) => Activations.Relu(Activations.TopK(preActivations, K));

    protected override int SelectActive(ReadOnlySpan<float> pre, Span<int> indices, Span<float> values)
    {
        var kept = indices[..K];
        SelectLargest(pre, kept);
        kept.Sort();
        int count = 0;
        foreach (int j in kept)
        {
            if (pre[j] > 0f)
            {
                indices[count] = j;
                values[count++] = pre[j];
            }
        }
        return count;
    }

    /// <summary>Indices of the kept.Length largest values (lower index first among equals), by a min-heap whose root is
    /// the weakest entry kept so far.</summary>
    private static void SelectLargest(ReadOnlySpan<float> row, Span<int> heap)
    {
        int k = heap.Length;
        for (int i = 0; i < k; i++)
        {
            heap[i] = i;
            for (int c = i; c > 0;)
            {
                int parent = (c - 1) / 2;
                if (!Weaker(row, heap[c], heap[parent])) break;
                (heap[c], heap[parent]) = (heap[parent], heap[c]);
                c = parent;
            }
        }
        for (int i = k; i < row.Length; i++)
        {
            if (!(row[i] > row[heap[0]])) continue; // later indices lose ties
            heap[0] = i;
            for (int c = 0; ;)
            {
                int left = 2 * c + 1, weakest = c;
                if (left < k && Weaker(row, heap[left], heap[weakest])) weakest = left;
                if (left + 1 < k && Weaker(row, heap[left + 1], heap[weakest])) weakest = left + 1;
                if (weakest == c) break;
                (heap[c], heap[weakest]) = (heap[weakest], heap[c]);
                c = weakest;
            }
        }
    }

    private static bool Weaker(ReadOnlySpan<float> row, int a, int b) => row[a] < row[b] || (row[a] == row[b] && a > b);
}
