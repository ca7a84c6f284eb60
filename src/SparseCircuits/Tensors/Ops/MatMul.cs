using System.Buffers;
using System.Numerics.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Blas;

namespace SparseCircuits.Tensors.Ops;

/// <summary>Matrix products over the last dimension, through <see cref="Gemm"/>.</summary>
public static class MatMul
{
    /// <summary>
    /// y = x·Wᵀ + b for x [..., in] and a PyTorch-layout weight W [out, in] (nn.Linear). With
    /// <paramref name="weightIsInOut"/> the weight is stored [in, out] (GPT-2's Conv1D) and y = x·W + b.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null, bool weightIsInOut = false)
    {
        if (weight.Rank != 2) throw new ArgumentException($"Linear weight must be 2-D; got {weight}.");
        int inDim = weightIsInOut ? weight.Dim(0) : weight.Dim(1);
        int outDim = weightIsInOut ? weight.Dim(1) : weight.Dim(0);
        if (x.Columns != inDim) throw new ArgumentException($"Linear: input {x} does not end in {inDim}.");
        if (bias is not null && bias.Length != outDim) throw new ArgumentException($"Linear: bias {bias} does not have {outDim} entries.");
        int m = x.Rows;
        var shape = x.ShapeArray;
        shape[^1] = outDim;
        var y = Tensor.Empty(shape);
        bool transW = !weightIsInOut;
        if (bias is not null)
        {
            var ys = y.Span;
            var bs = bias.Read();
            for (int r = 0; r < m; r++) bs.CopyTo(ys.Slice(r * outDim, outDim));
        }
        Gemm.Sgemm(false, transW, m, outDim, inDim, 1f, x.Read(), weight.Read(), bias is null ? 0f : 1f, y.Span);

        var inputs = bias is null ? new[] { x, weight } : new[] { x, weight, bias };
        if (!Tape.ShouldRecord(inputs)) return y;
        return Tape.Attach(y, inputs, (ctx, g) =>
        {
            int k = ctx.K;
            if (ctx.Needs(x))
            {
                // gx[K·m, in] += g[K·m, out] · op(W)ᵀ, one GEMM for every seed since W is shared.
                InputGradient(g.Read(), weight.Read(), transW, k * m, inDim, outDim, ctx.Buffer(x).Span);
            }
            if (ctx.Needs(weight))
            {
                var gw = ctx.Buffer(weight).Span;
                int wLen = weight.Length;
                for (int s = 0; s < k; s++)
                {
                    var gk = g.Read().Slice(s * m * outDim, m * outDim);
                    if (transW) Gemm.Sgemm(true, false, outDim, inDim, m, 1f, gk, x.Read(), 1f, gw.Slice(s * wLen, wLen));
                    else Gemm.Sgemm(true, false, inDim, outDim, m, 1f, x.Read(), gk, 1f, gw.Slice(s * wLen, wLen));
                }
            }
            if (bias is not null && ctx.Needs(bias))
            {
                var gb = ctx.Buffer(bias).Span;
                var gs = g.Read();
                for (int s = 0; s < k; s++)
                {
                    var target = gb.Slice(s * outDim, outDim);
                    for (int r = 0; r < m; r++) TensorPrimitives.Add(target, gs.Slice((s * m + r) * outDim, outDim), target);
                }
            }
        });
    }

    /// <summary>
    /// gx[rows, in] += g[rows, out]·op(W)ᵀ. Many seeds of a batched backward pass are zero on most rows (a seed placed at
    /// one position of one sequence stays on that row through every row-wise op), so when fewer than half the rows of
    /// g are nonzero only those are multiplied: gathered, one GEMM, and added back. The result is the same product.
    /// </summary>
    internal static void InputGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> weight, bool transW, int rows, int inDim, int outDim, Span<float> gx)
    {
        int nonzero = 0;
        int[]? live = null;
        if (rows >= 8)
        {
            live = ArrayPool<int>.Shared.Rent(rows);
            for (int r = 0; r < rows; r++)
                if (g.Slice(r * outDim, outDim).IndexOfAnyExcept(0f) >= 0) live[nonzero++] = r;
        }
        if (live is null || 2 * nonzero >= rows)
        {
            if (live is not null) ArrayPool<int>.Shared.Return(live);
            Gemm.Sgemm(false, !transW, rows, inDim, outDim, 1f, g, weight, 1f, gx);
            return;
        }
        var packed = ArrayPool<float>.Shared.Rent(Math.Max(1, nonzero * outDim));
        var product = ArrayPool<float>.Shared.Rent(Math.Max(1, nonzero * inDim));
        try
        {
            for (int i = 0; i < nonzero; i++) g.Slice(live[i] * outDim, outDim).CopyTo(packed.AsSpan(i * outDim, outDim));
            Gemm.Sgemm(false, !transW, nonzero, inDim, outDim, 1f, packed.AsSpan(0, nonzero * outDim), weight, 0f, product.AsSpan(0, nonzero * inDim));
            for (int i = 0; i < nonzero; i++)
            {
                var target = gx.Slice(live[i] * inDim, inDim);
                TensorPrimitives.Add(target, product.AsSpan(i * inDim, inDim), target);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packed);
            ArrayPool<float>.Shared.Return(product);
            ArrayPool<int>.Shared.Return(live);
        }
    }

    /// <summary>
    /// Batched product over matching leading dimensions: a [..., m, k] · b [..., k, n] → [..., m, n], with either operand
    /// transposed in its last two dimensions.
    /// </summary>
    public static Tensor Batched(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (a.Rank < 2 || a.Rank != b.Rank || !a.Shape[..^2].SequenceEqual(b.Shape[..^2]))
            throw new ArgumentException($"Batched matmul needs equal leading dimensions: {a} and {b}.");
        int m = transA ? a.Dim(-1) : a.Dim(-2), kk = transA ? a.Dim(-2) : a.Dim(-1);
        int kb = transB ? b.Dim(-1) : b.Dim(-2), n = transB ? b.Dim(-2) : b.Dim(-1);
        if (kk != kb) throw new ArgumentException($"Batched matmul inner dimensions differ: {a} and {b}.");
        int batch = a.Length / Math.Max(1, m * kk);
        var shape = a.ShapeArray;
        shape[^2] = m;
        shape[^1] = n;
        var y = Tensor.Empty(shape);
        Gemm.SgemmStrided(batch, transA, transB, m, n, kk, 1f, a.Read(), m * kk, b.Read(), kk * n, 0f, y.Span, m * n);
        if (!Tape.ShouldRecord(a, b)) return y;
        return Tape.Attach(y, new[] { a, b }, (ctx, g) =>
        {
            for (int s = 0; s < ctx.K; s++)
            {
                var gk = g.Read().Slice(s * y.Length, y.Length);
                if (ctx.Needs(a))
                {
                    var ga = ctx.Buffer(a).Span.Slice(s * a.Length, a.Length);
                    // C = op(A)·op(B): dA = g·op(B)ᵀ (or its transpose when A was transposed).
                    if (!transA) Gemm.SgemmStrided(batch, false, !transB, m, kk, n, 1f, gk, m * n, b.Read(), kk * n, 1f, ga, m * kk);
                    else Gemm.SgemmStrided(batch, transB, true, kk, m, n, 1f, b.Read(), kk * n, gk, m * n, 1f, ga, m * kk);
                }
                if (ctx.Needs(b))
                {
                    var gb = ctx.Buffer(b).Span.Slice(s * b.Length, b.Length);
                    if (!transB) Gemm.SgemmStrided(batch, !transA, false, kk, n, m, 1f, a.Read(), m * kk, gk, m * n, 1f, gb, kk * n);
                    else Gemm.SgemmStrided(batch, true, transA, n, kk, m, 1f, gk, m * n, a.Read(), m * kk, 1f, gb, kk * n);
                }
            }
        });
    }
}
