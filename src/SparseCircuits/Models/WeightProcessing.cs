using SparseCircuits.Tensors;
using static SparseCircuits.Models.WeightAlgebra;

namespace SparseCircuits.Models;

/// <summary>
/// TransformerLens's weight processing (<c>HookedTransformer.from_pretrained</c> with fold_ln, center_writing_weights,
/// center_unembed and fold_value_biases), done on a loaded <see cref="Transformer"/>. Each step preserves the model's
/// log-probabilities; what changes are the activations at named sites, which is why a dictionary trained on a
/// processed model needs the processed model. Steps run in TransformerLens's order: fold norms, centre writing weights,
/// centre the unembedding, fold value biases.
/// <para>Processing never writes into the loaded tensors (they may be memory-mapped checkpoint storage): every changed
/// parameter is a new tensor, and parameters a step leaves alone are shared, read-only, with the input model.</para>
/// </summary>
public static class WeightProcessing
{
    /// <summary>The model with <paramref name="options"/> applied; the input model is unchanged. The result's
    /// <see cref="ModelConfig.Processing"/> records the steps actually applied (centring writing weights is skipped for
    /// RMSNorm models, as in TransformerLens, because RMSNorm does not remove the mean).</summary>
    public static Transformer Apply(Transformer model, WeightProcessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Any) return model;
        var config = model.Config;
        var w = model.Weights;
        bool layerNorm = !config.UsesRmsNorm;
        bool centerWriting = options.CenterWritingWeights && layerNorm;

        if (options.FoldLayerNorm) w = FoldNorms(w, centerReaders: layerNorm);
        if (centerWriting) w = CenterWritingWeights(w);
        if (options.CenterUnembed) w = CenterUnembed(w);
        if (options.FoldValueBiases) w = FoldValueBiases(config, w);

        var before = config.Processing;
        var applied = new WeightProcessingOptions(
            before.FoldLayerNorm || options.FoldLayerNorm,
            before.CenterWritingWeights || centerWriting,
            before.CenterUnembed || options.CenterUnembed,
            before.FoldValueBiases || options.FoldValueBiases);
        return new Transformer(config with
        {
            Processing = applied,
            TiedEmbeddings = config.TiedEmbeddings && ReferenceEquals(w.Unembed, w.TokenEmbedding),
        }, w);
    }

    /// <summary>
    /// Folds each norm's weight (and LayerNorm bias) into the layers reading its output, leaving the norm as bare
    /// normalisation (weight 1, bias 0). After a LayerNorm the normalised vector has zero mean, so the reading weights
    /// can also be centred over d_model without changing anything (TransformerLens's center_weights); after an RMSNorm
    /// they cannot.
    /// </summary>
    private static TransformerWeights FoldNorms(TransformerWeights w, bool centerReaders)
    {
        var blocks = w.Blocks.Select(b =>
        {
            var a = b.Attention;
            var (q, qb) = FoldInto(b.Norm1, a.Q, a.QBias, centerReaders);
            var (k, kb) = FoldInto(b.Norm1, a.K, a.KBias, centerReaders);
            var (v, vb) = FoldInto(b.Norm1, a.V, a.VBias, centerReaders);
            var m = b.Mlp;
            var (mlpIn, mlpInBias) = FoldInto(b.Norm2, m.In, m.InBias, centerReaders);
            return new BlockWeights(
                Bare(b.Norm1),
                a with { Q = q, QBias = qb, K = k, KBias = kb, V = v, VBias = vb },
                Bare(b.Norm2),
                m with { In = mlpIn, InBias = mlpInBias, Gate = m.Gate is null ? null : FoldIntoGate(b.Norm2, m.Gate) });
        }).ToList();
        var (unembed, unembedBias) = FoldInto(w.FinalNorm, w.Unembed, w.UnembedBias, centerReaders);
        return w with { Blocks = blocks, FinalNorm = Bare(w.FinalNorm), Unembed = unembed, UnembedBias = unembedBias };
    }

    /// <summary>W·(g⊙x̂ + β) + b = (W·diag g)·x̂ + (b + W·β): the bias uses the unscaled W, so it is folded first.</summary>
    private static (Tensor Weight, Tensor? Bias) FoldInto(NormWeights norm, Tensor weight, Tensor? bias, bool centerRows)
    {
        var foldedBias = norm.Bias is { } beta ? AddProduct(bias, weight, beta.Span) : bias;
        return (ScaleColumns(weight, norm.Weight.Span, centerRows), foldedBias);
    }

    /// <summary>The SwiGLU gate has no bias to absorb a LayerNorm bias, and TransformerLens scales it without centring.</summary>
    private static Tensor FoldIntoGate(NormWeights norm, Tensor gate) => norm.Bias is null
        ? ScaleColumns(gate, norm.Weight.Span, centerRows: false)
        : throw new NotSupportedException("folding a LayerNorm bias into a gated MLP needs a gate bias, which this model has no place for");

    /// <summary>A norm with nothing left to fold: weight 1 (and bias 0 for LayerNorm).</summary>
    private static NormWeights Bare(NormWeights norm)
    {
        int d = norm.Weight.Length;
        return new NormWeights(Tensor.Full(1f, d), norm.Bias is null ? null : Tensor.Zeros(d));
    }

    /// <summary>
    /// Removes the d_model mean from everything written into the residual stream: token and position embeddings (rows
    /// are d_model vectors), the attention and MLP output projections (columns are d_model vectors in nn.Linear layout)
    /// and their biases. Every LayerNorm subtracts that mean anyway, so no norm output changes.
    /// </summary>
    private static TransformerWeights CenterWritingWeights(TransformerWeights w)
    {
        var blocks = w.Blocks.Select(b => b with
        {
            Attention = b.Attention with
            {
                O = CenterColumns(b.Attention.O),
                OBias = b.Attention.OBias is { } ob ? Centered(ob) : null,
            },
            Mlp = b.Mlp with
            {
                Out = CenterColumns(b.Mlp.Out),
                OutBias = b.Mlp.OutBias is { } mb ? Centered(mb) : null,
            },
        }).ToList();
        return w with
        {
            TokenEmbedding = CenterRows(w.TokenEmbedding),
            PositionEmbedding = w.PositionEmbedding is { } pos ? CenterRows(pos) : null,
            Blocks = blocks,
        };
    }

    /// <summary>Removes the vocabulary mean from W_U (each column of [V, d]) and b_U: every logit at a position moves
    /// by the same amount, so softmax is unchanged.</summary>
    private static TransformerWeights CenterUnembed(TransformerWeights w) => w with
    {
        Unembed = CenterColumns(w.Unembed),
        UnembedBias = w.UnembedBias is { } b ? Centered(b) : null,
    };

    /// <summary>
    /// Attention weights sum to 1 over keys, so a value bias adds b_V to every head's z and W_O·b_V to the output; the
    /// latter becomes part of b_O and b_V becomes 0. With grouped KV heads each query head uses its group's bias.
    /// </summary>
    private static TransformerWeights FoldValueBiases(ModelConfig config, TransformerWeights w)
    {
        int heads = config.Heads, group = config.Heads / config.KvHeads, d = config.HeadDim;
        var blocks = w.Blocks.Select(b =>
        {
            var a = b.Attention;
            if (a.VBias is null) return b;
            var perQueryHead = new float[heads * d];
            var vb = a.VBias.Span;
            for (int h = 0; h < heads; h++) vb.Slice(h / group * d, d).CopyTo(perQueryHead.AsSpan(h * d, d));
            return b with { Attention = a with { OBias = AddProduct(a.OBias, a.O, perQueryHead), VBias = Tensor.Zeros(a.VBias.Length) } };
        }).ToList();
        return w with { Blocks = blocks };
    }
}
