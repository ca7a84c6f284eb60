namespace SparseCircuits.Models;

/// <summary>
/// Which of TransformerLens's weight-processing steps to apply after loading (see <see cref="WeightProcessing"/>).
/// Many published SAEs were trained on activations of a TransformerLens-processed model, whose residual-stream
/// activations differ from the Hugging Face model's (they are centred), so a dictionary must be run on the model
/// variant it was trained on.
/// </summary>
/// <param name="FoldLayerNorm">TransformerLens <c>fold_ln</c>: fold norm weights (and LayerNorm biases) into the
/// layers that read the norm's output; for LayerNorm also centre those reading weights. Logits are unchanged.</param>
/// <param name="CenterWritingWeights">TransformerLens <c>center_writing_weights</c>: make every weight and bias that
/// writes to the residual stream mean-zero over d_model. LayerNorm models only (skipped for RMSNorm, as TransformerLens
/// does); logits are unchanged.</param>
/// <param name="CenterUnembed">TransformerLens <c>center_unembed</c>: make W_U (and b_U) mean-zero over the vocabulary.
/// Logits shift by a per-position constant; log-probabilities are unchanged.</param>
/// <param name="FoldValueBiases">TransformerLens <c>fold_value_biases</c>: move the value biases into the attention
/// output bias (attention patterns sum to 1, so their effect is a constant). Changes only the <c>attn.hook_z</c>
/// site.</param>
public sealed record WeightProcessingOptions(bool FoldLayerNorm, bool CenterWritingWeights, bool CenterUnembed, bool FoldValueBiases = false)
{
    /// <summary>The weights as the checkpoint stores them (Hugging Face semantics; what dictionary_learning SAEs, such as
    /// the Sparse Feature Circuits dictionaries, were trained on).</summary>
    public static WeightProcessingOptions None { get; } = new(false, false, false, false);

    /// <summary>What <c>HookedTransformer.from_pretrained</c> does by default (fold_ln, center_writing_weights,
    /// center_unembed, fold_value_biases all on).</summary>
    public static WeightProcessingOptions TransformerLens { get; } = new(true, true, true, true);

    /// <summary>True when at least one step is on.</summary>
    public bool Any => FoldLayerNorm || CenterWritingWeights || CenterUnembed || FoldValueBiases;

    public override string ToString() => Any
        ? string.Join("+", new[]
        {
            FoldLayerNorm ? "fold_ln" : null,
            CenterWritingWeights ? "center_writing_weights" : null,
            CenterUnembed ? "center_unembed" : null,
            FoldValueBiases ? "fold_value_biases" : null,
        }.Where(s => s is not null))
        : "none";
}
