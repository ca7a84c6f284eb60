using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Models;

/// <summary>
/// A decoder-only transformer (GPT-2, GPT-NeoX/Pythia or Llama) computing exactly what the Hugging Face modeling code
/// computes, with every activation of DESIGN.md §3 exposed as a named hook point: forward hooks can read or replace it,
/// and gradient hooks can read, replace or stop the gradient there. The pieces (embed, one block, unembed) are public
/// so that callers can run part of the model from a cached activation.
/// </summary>
public sealed class Transformer
{
    public Transformer(ModelConfig config, TransformerWeights weights)
    {
        Config = config;
        Weights = weights;
        if (weights.Blocks.Count != config.Layers)
            throw new ArgumentException($"{weights.Blocks.Count} blocks of weights for a {config.Layers}-layer config.");
    }

    public ModelConfig Config { get; }

    public TransformerWeights Weights { get; }

    /// <summary>Logits [B, S, V] for a batch.</summary>
    public Tensor Forward(TokenBatch tokens, ForwardHooks? hooks = null, ForwardOptions? options = null)
    {
        var resid = Embed(tokens, hooks);
        for (int l = 0; l < Config.Layers; l++) resid = Block(l, resid, hooks, options);
        return Unembed(FinalNorm(resid, options));
    }

    /// <summary>The residual stream after the last block, [B, S, d] (no final norm).</summary>
    public Tensor ResidualStream(TokenBatch tokens, ForwardHooks? hooks = null, ForwardOptions? options = null, int upToLayer = int.MaxValue)
    {
        var resid = Embed(tokens, hooks);
        int layers = upToLayer >= Config.Layers - 1 ? Config.Layers : upToLayer + 1;
        for (int l = 0; l < layers; l++) resid = Block(l, resid, hooks, options);
        return resid;
    }

    /// <summary>Token (+ learned position) embedding: the <c>embed</c> site, [B, S, d].</summary>
    public Tensor Embed(TokenBatch tokens, ForwardHooks? hooks = null)
    {
        if (tokens.Length > Config.MaxPositions && Config.LearnedPositions)
            throw new SfcInputException($"sequence of {tokens.Length} tokens is longer than the model's {Config.MaxPositions} positions");
        foreach (int id in tokens.Ids)
            if ((uint)id >= (uint)Config.VocabSize)
                throw new SfcInputException($"token id {id} is outside the model's vocabulary of {Config.VocabSize}");
        var x = Indexing.Embedding(Weights.TokenEmbedding, tokens.Ids, tokens.Batch, tokens.Length);
        if (Weights.PositionEmbedding is { } wpe)
        {
            var positions = Enumerable.Range(0, tokens.Length).ToArray();
            x = Elementwise.Add(x, Indexing.Embedding(wpe, positions, tokens.Length));
        }
        return HookPoint.Apply(x, Site.Embed.Name, hooks);
    }

    /// <summary>
    /// Block <paramref name="layer"/> from its input residual stream [B, S, d]; returns the <c>resid_L</c> site. An
    /// attention or MLP output substituted by a hook (<see cref="ForwardHooks.Substitute"/>) is not computed.
    /// </summary>
    /// <param name="sharing">When given, <paramref name="residPre"/> and the result are the batch's distinct rows [U, d]
    /// (<see cref="RowSharing"/>); attention alone runs on the full layout.</param>
    public Tensor Block(int layer, Tensor residPre, ForwardHooks? hooks = null, ForwardOptions? options = null, RowSharing? sharing = null) =>
        Block(layer, residPre, hooks, options, lastPositionOnly: false, sharing);

    /// <summary>
    /// Block <paramref name="layer"/> for the last position only, [B, 1, d]: attention still reads every position, but
    /// after it only the last row is carried (the MLP runs on one row per sequence). For the top block when what follows
    /// reads the last position alone (the circuit metrics). Hooks after the attention output see [B, 1, d].
    /// </summary>
    public Tensor BlockLastPosition(int layer, Tensor residPre, ForwardHooks? hooks = null, ForwardOptions? options = null, RowSharing? sharing = null) =>
        Block(layer, residPre, hooks, options, lastPositionOnly: true, sharing);

    private Tensor Block(int layer, Tensor residPre, ForwardHooks? hooks, ForwardOptions? options, bool lastPositionOnly, RowSharing? sharing)
    {
        options ??= ForwardOptions.Default;
        var w = Weights.Blocks[layer];
        residPre = HookPoint.Apply(residPre, new Site(SiteKind.ResidPre, layer).Name, hooks);
        string attnName = Site.AttnOut(layer).Name, mlpName = Site.MlpOut(layer).Name;
        var attnOut = HookPoint.Apply(Substituted(hooks, attnName) ?? Attention(layer, Norm(residPre, w.Norm1, options), hooks, options, sharing), attnName, hooks);
        if (lastPositionOnly)
        {
            residPre = sharing is null ? LastRow(residPre) : sharing.LastRows(residPre);
            attnOut = sharing is null ? LastRow(attnOut) : sharing.LastRows(attnOut);
        }
        if (Config.ParallelResidual)
        {
            var mlpIn = HookPoint.Apply(Norm(residPre, w.Norm2, options), Site.MlpInput(layer).Name, hooks);
            var mlpOut = HookPoint.Apply(Substituted(hooks, mlpName) ?? Mlp(w.Mlp, mlpIn), mlpName, hooks);
            // HF GPT-NeoX: mlp_output + attn_output + hidden_states
            var sum = Elementwise.Add(Elementwise.Add(mlpOut, attnOut), residPre);
            return HookPoint.Apply(sum, Site.ResidPost(layer).Name, hooks);
        }
        var residMid = HookPoint.Apply(Elementwise.Add(residPre, attnOut), new Site(SiteKind.ResidMid, layer).Name, hooks);
        var mlpInput = HookPoint.Apply(Norm(residMid, w.Norm2, options), Site.MlpInput(layer).Name, hooks);
        var mlpOutput = HookPoint.Apply(Substituted(hooks, mlpName) ?? Mlp(w.Mlp, mlpInput), mlpName, hooks);
        return HookPoint.Apply(Elementwise.Add(residMid, mlpOutput), Site.ResidPost(layer).Name, hooks);
    }

    private static Tensor? Substituted(ForwardHooks? hooks, string name) => hooks is not null && hooks.TrySubstitute(name, out var v) ? v : null;

    /// <summary>The last position of [B, S, d] as [B, 1, d] (differentiable).</summary>
    private static Tensor LastRow(Tensor x)
    {
        int b = x.Dim(0), s = x.Dim(1), d = x.Dim(2);
        if (s == 1) return x;
        var rows = Enumerable.Range(0, b).Select(i => i * s + s - 1).ToArray();
        return Shaping.Reshape(Indexing.GatherRows(Shaping.Reshape(x, b * s, d), rows), b, 1, d);
    }

    /// <summary>The final norm applied to the last residual stream.</summary>
    public Tensor FinalNorm(Tensor resid, ForwardOptions? options = null) =>
        Norm(resid, Weights.FinalNorm, options ?? ForwardOptions.Default);

    /// <summary>Logits over the whole vocabulary, [..., V].</summary>
    public Tensor Unembed(Tensor normed) => MatMul.Linear(normed, Weights.Unembed, Weights.UnembedBias);

    /// <summary>Logits of selected vocabulary entries only, [..., len(ids)] (a metric that reads two logits needs no more).</summary>
    public Tensor UnembedColumns(Tensor normed, int[] vocabIds)
    {
        var rows = Indexing.GatherRows(Weights.Unembed, vocabIds);
        var bias = Weights.UnembedBias is { } b ? Indexing.GatherRows(b.View(b.Length, 1), vocabIds).View(vocabIds.Length) : null;
        return MatMul.Linear(normed, rows, bias);
    }

    private Tensor Norm(Tensor x, NormWeights w, ForwardOptions options) => Config.UsesRmsNorm
        ? Norms.RmsNorm(x, w.Weight, Config.NormEpsilon, options.FreezeNormScales)
        : Norms.LayerNorm(x, w.Weight, w.Bias, Config.NormEpsilon, options.FreezeNormScales);

    private Tensor Attention(int layer, Tensor x, ForwardHooks? hooks, ForwardOptions options, RowSharing? sharing)
    {
        var a = Weights.Blocks[layer].Attention;
        int b = sharing?.Sequences ?? x.Dim(0), s = sharing?.Length ?? x.Dim(1), h = Config.Heads, kvh = Config.KvHeads, d = Config.HeadDim;
        Tensor Full(Tensor rows) => sharing is null ? rows : sharing.Expand(rows);
        var q = Shaping.Reshape(Full(MatMul.Linear(x, a.Q, a.QBias)), b, s, h, d);
        var k = Shaping.Reshape(Full(MatMul.Linear(x, a.K, a.KBias)), b, s, kvh, d);
        var v = Shaping.Reshape(Full(MatMul.Linear(x, a.V, a.VBias)), b, s, kvh, d);
        if (Config.RotaryDim > 0)
        {
            q = Rotary.Apply(q, Config.RotaryDim, Config.RotaryBase, Config.RotaryStyle);
            k = Rotary.Apply(k, Config.RotaryDim, Config.RotaryBase, Config.RotaryStyle);
        }
        string patternName = new Site(SiteKind.AttnPattern, layer).Name;
        Func<Tensor, Tensor>? onPattern = null;
        if (options.FreezeAttentionPatterns || hooks?.Has(patternName) == true)
            onPattern = p =>
            {
                p = HookPoint.Apply(p, patternName, hooks);
                return options.FreezeAttentionPatterns ? p.Detach() : p;
            };
        else if (Tape.Current is not null)
            onPattern = p => HookPoint.Apply(p, patternName, null);
        var z = Tensors.Ops.Attention.Causal(q, k, v, 1f / MathF.Sqrt(d), onPattern);
        z = HookPoint.Apply(z, new Site(SiteKind.AttnZ, layer).Name, hooks);
        var heads = sharing is null ? Shaping.Reshape(z, b, s, h * d) : sharing.Compress(Shaping.Reshape(z, b * s, h * d));
        return MatMul.Linear(heads, a.O, a.OBias);
    }

    private Tensor Mlp(MlpWeights w, Tensor x)
    {
        var up = MatMul.Linear(x, w.In, w.InBias);
        var hidden = w.Gate is { } gate
            ? Elementwise.Mul(Activations.ApplyByName(Config.Activation, MatMul.Linear(x, gate)), up)
            : Activations.ApplyByName(Config.Activation, up);
        return MatMul.Linear(hidden, w.Out, w.OutBias);
    }
}
