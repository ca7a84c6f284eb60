using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Causal multi-head self-attention with grouped-query heads: queries q [B, S, H, D], keys and values
/// k, v [B, S, Hkv, D] with H a multiple of Hkv (query head h reads kv head h / (H / Hkv)). It is split in two
/// differentiable ops so that the attention pattern [B, H, S, S] can be hooked (read, replaced, frozen) between them:
/// <see cref="AttentionPattern"/> and <see cref="AttentionMix"/>; <see cref="Causal"/> chains them.
/// Heads are read in place (row stride heads·D) and processed in parallel over (batch, head); each head's products
/// run in <see cref="CausalGemm"/>, which skips the masked half of every product (see <see cref="AttentionKernels"/>).
/// </summary>
public static class Attention
{
    /// <summary>
    /// The causal attention pattern [B, H, S, S]: row i is the softmax over keys j ≤ i of scale·q_i·k_j, and entries
    /// above the diagonal are exactly 0.
    /// </summary>
    public static Tensor AttentionPattern(Tensor q, Tensor k, float scale) => Pattern(q, k, scale, AttentionKernel.Auto);

    /// <summary>z [B, S, H, D] with z[b, i, h] = Σ_j pattern[b, h, i, j]·v[b, j, h / (H / Hkv)], for a pattern
    /// [B, H, S, S] (any pattern: it need not be causal once a hook has replaced it).</summary>
    public static Tensor AttentionMix(Tensor pattern, Tensor v) => Mix(pattern, v, AttentionKernel.Auto);

    /// <summary>
    /// Causal attention z [B, S, H, D]. <paramref name="onPattern"/>, when given, is applied to the pattern between
    /// the two halves (a named hook point, or <c>p =&gt; p.Detach()</c> to freeze it). Without a hook and with nothing
    /// to record, the heads are computed one at a time without materialising the [B, H, S, S] pattern.
    /// </summary>
    public static Tensor Causal(Tensor q, Tensor k, Tensor v, float scale, Func<Tensor, Tensor>? onPattern = null) =>
        Causal(q, k, v, scale, onPattern, AttentionKernel.Auto);

    internal static Tensor Causal(Tensor q, Tensor k, Tensor v, float scale, Func<Tensor, Tensor>? onPattern, AttentionKernel kernel)
    {
        if (onPattern is null && !Tape.ShouldRecord(new[] { q, k, v })) return Fused(q, k, v, scale, kernel);
        var pattern = Pattern(q, k, scale, kernel);
        if (onPattern is not null) pattern = onPattern(pattern);
        return Mix(pattern, v, kernel);
    }

    internal static Tensor Pattern(Tensor q, Tensor k, float scale, AttentionKernel kernel)
    {
        var dims = Dims.Of(q, k, nameof(AttentionPattern));
        int s = dims.S, d = dims.D, block = s * s;
        bool blas = AttentionKernels.UseBlas(kernel);
        int extra = AttentionKernels.TransposeScratch(s, d, blas);
        var p = Tensor.Empty(dims.B, dims.H, s, s);
        AttentionKernels.ForEachHead(dims.Heads, (long)block * d, blas, bh =>
        {
            int b = bh / dims.H, h = bh % dims.H;
            using var scratch = PooledFloats.Rent(extra);
            AttentionKernels.Pattern(q.Read()[dims.QOffset(b, h)..], dims.QStride, k.Read()[dims.KvOffset(b, h / dims.Group)..],
                dims.KvStride, s, d, scale, p.Span.Slice(bh * block, block), scratch.Span, blas);
        });
        if (!Tape.ShouldRecord(q, k)) return p;
        return Tape.Attach(p, new[] { q, k }, (ctx, g) =>
        {
            bool needQ = ctx.Needs(q), needK = ctx.Needs(k);
            var gq = needQ ? ctx.Buffer(q) : null;
            var gk = needK ? ctx.Buffer(k) : null;
            // One work item per (seed, batch, kv head): the query heads of a group all add into the same key rows.
            AttentionKernels.ForEachHead(ctx.K * dims.KvHeads, 2L * dims.Group * block * d, blas, item =>
            {
                int seed = item / (dims.B * dims.Hkv), b = item / dims.Hkv % dims.B, kv = item % dims.Hkv;
                using var scratch = PooledFloats.Rent(block);
                var gkHead = needK ? gk!.Span[(seed * k.Length + dims.KvOffset(b, kv))..] : default;
                for (int h = kv * dims.Group; h < (kv + 1) * dims.Group; h++)
                {
                    int bh = b * dims.H + h;
                    var gqHead = needQ ? gq!.Span[(seed * q.Length + dims.QOffset(b, h))..] : default;
                    AttentionKernels.PatternBackward(p.Read().Slice(bh * block, block),
                        g.Read().Slice((seed * dims.B * dims.H + bh) * block, block),
                        q.Read()[dims.QOffset(b, h)..], dims.QStride, k.Read()[dims.KvOffset(b, kv)..], dims.KvStride,
                        s, d, scale, scratch.Span, gqHead, gkHead, needQ, needK, blas);
                }
            });
        });
    }

    internal static Tensor Mix(Tensor pattern, Tensor v, AttentionKernel kernel)
    {
        var dims = Dims.OfMix(pattern, v);
        int s = dims.S, d = dims.D, block = s * s;
        bool blas = AttentionKernels.UseBlas(kernel);
        var z = Tensor.Empty(dims.B, s, dims.H, d);
        AttentionKernels.ForEachHead(dims.Heads, (long)block * d, blas, bh =>
        {
            int b = bh / dims.H, h = bh % dims.H;
            AttentionKernels.Mix(pattern.Read().Slice(bh * block, block), v.Read()[dims.KvOffset(b, h / dims.Group)..],
                dims.KvStride, s, d, z.Span[dims.QOffset(b, h)..], dims.QStride, blas);
        });
        if (!Tape.ShouldRecord(pattern, v)) return z;
        return Tape.Attach(z, new[] { pattern, v }, (ctx, g) =>
        {
            bool needP = ctx.Needs(pattern), needV = ctx.Needs(v);
            var gp = needP ? ctx.Buffer(pattern) : null;
            var gv = needV ? ctx.Buffer(v) : null;
            int extra = needP ? AttentionKernels.TransposeScratch(s, d, blas) : 0;
            AttentionKernels.ForEachHead(ctx.K * dims.KvHeads, 2L * dims.Group * block * d, blas, item =>
            {
                int seed = item / (dims.B * dims.Hkv), b = item / dims.Hkv % dims.B, kv = item % dims.Hkv;
                using var scratch = PooledFloats.Rent(extra);
                var gvHead = needV ? gv!.Span[(seed * v.Length + dims.KvOffset(b, kv))..] : default;
                for (int h = kv * dims.Group; h < (kv + 1) * dims.Group; h++)
                {
                    int bh = b * dims.H + h;
                    var gpHead = needP ? gp!.Span.Slice((seed * dims.B * dims.H + bh) * block, block) : default;
                    AttentionKernels.MixBackward(pattern.Read().Slice(bh * block, block), v.Read()[dims.KvOffset(b, kv)..],
                        dims.KvStride, g.Read()[(seed * z.Length + dims.QOffset(b, h))..], dims.QStride, s, d,
                        gpHead, gvHead, scratch.Span, needP, needV, blas);
                }
            });
        });
    }

    /// <summary>Inference path: per head, pattern into scratch, then straight into z.</summary>
    private static Tensor Fused(Tensor q, Tensor k, Tensor v, float scale, AttentionKernel kernel)
    {
        var dims = Dims.Of(q, k, nameof(Causal));
        if (!v.SameShape(k)) throw new ArgumentException($"{nameof(Causal)}: values {v} must have the keys' shape {k}.");
        int s = dims.S, d = dims.D, block = s * s;
        bool blas = AttentionKernels.UseBlas(kernel);
        int extra = AttentionKernels.TransposeScratch(s, d, blas);
        var z = Tensor.Empty(dims.B, s, dims.H, d);
        AttentionKernels.ForEachHead(dims.Heads, 2L * block * d, blas, bh =>
        {
            int b = bh / dims.H, h = bh % dims.H, kvOffset = dims.KvOffset(b, h / dims.Group);
            using var scratch = PooledFloats.Rent(block + extra);
            var p = scratch.Span[..block];
            AttentionKernels.Pattern(q.Read()[dims.QOffset(b, h)..], dims.QStride, k.Read()[kvOffset..], dims.KvStride,
                s, d, scale, p, scratch.Span[block..], blas);
            AttentionKernels.Mix(p, v.Read()[kvOffset..], dims.KvStride, s, d, z.Span[dims.QOffset(b, h)..], dims.QStride, blas);
        });
        return z;
    }

    /// <summary>Sizes of one call and where a head's [S, D] rows start in the [B, S, heads, D] tensors.</summary>
    private readonly record struct Dims(int B, int S, int H, int Hkv, int D)
    {
        public int Group => H / Hkv;

        /// <summary>Query heads to process, B·H (none for an empty sequence, whose heads have no rows).</summary>
        public int Heads => S == 0 ? 0 : B * H;

        /// <summary>Key/value heads to process, B·Hkv (none for an empty sequence).</summary>
        public int KvHeads => S == 0 ? 0 : B * Hkv;

        /// <summary>Row stride of a query (or output) head.</summary>
        public int QStride => H * D;

        /// <summary>Row stride of a key or value head.</summary>
        public int KvStride => Hkv * D;

        public int QOffset(int b, int h) => (b * S * H + h) * D;

        public int KvOffset(int b, int kv) => (b * S * Hkv + kv) * D;

        public static Dims Of(Tensor q, Tensor k, string op)
        {
            if (q.Rank != 4 || k.Rank != 4)
                throw new ArgumentException($"{op}: queries {q} and keys {k} must be [B, S, heads, D].");
            var dims = new Dims(q.Dim(0), q.Dim(1), q.Dim(2), k.Dim(2), q.Dim(3));
            if (k.Dim(0) != dims.B || k.Dim(1) != dims.S || k.Dim(3) != dims.D)
                throw new ArgumentException($"{op}: keys {k} do not match queries {q} in batch, sequence or head size.");
            return dims.CheckGroups(op);
        }

        public static Dims OfMix(Tensor pattern, Tensor v)
        {
            const string op = nameof(AttentionMix);
            if (pattern.Rank != 4 || v.Rank != 4 || pattern.Dim(2) != pattern.Dim(3))
                throw new ArgumentException($"{op}: pattern {pattern} must be [B, H, S, S] and values {v} [B, S, Hkv, D].");
            var dims = new Dims(pattern.Dim(0), pattern.Dim(2), pattern.Dim(1), v.Dim(2), v.Dim(3));
            if (v.Dim(0) != dims.B || v.Dim(1) != dims.S)
                throw new ArgumentException($"{op}: values {v} do not match pattern {pattern} in batch or sequence length.");
            return dims.CheckGroups(op);
        }

        private Dims CheckGroups(string op)
        {
            if (Hkv == 0 || H % Hkv != 0)
                throw new ArgumentException($"{op}: {H} query heads are not a multiple of {Hkv} key/value heads.");
            return this;
        }
    }
}
