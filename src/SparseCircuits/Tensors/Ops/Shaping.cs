using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>Differentiable reshapes, slices, concatenation and permutations. Reshape and row slices share storage;
/// permutations copy (kernels assume dense rows).</summary>
public static class Shaping
{
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var y = x.View(shape);
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) => ctx.Accumulate(x, g));
    }

    /// <summary>Rows start..start+count of dimension 0 (a view).</summary>
    public static Tensor SliceRows(Tensor x, int start, int count)
    {
        var y = x.SliceRows(start, count);
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            int inner = y.Length / Math.Max(1, count), n = x.Length, len = y.Length;
            for (int k = 0; k < ctx.K; k++)
            {
                var dst = gx.Slice(k * n + start * inner, len);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, g.Read().Slice(k * len, len), dst);
            }
        });
    }

    /// <summary>Concatenates along dimension 0.</summary>
    public static Tensor ConcatRows(params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("Nothing to concatenate.");
        var tail = parts[0].Shape[1..].ToArray();
        int rows = 0;
        foreach (var p in parts)
        {
            if (!p.Shape[1..].SequenceEqual(tail)) throw new ArgumentException($"ConcatRows: {p} does not match {parts[0]}.");
            rows += p.Dim(0);
        }
        var y = Tensor.Empty(Shapes.Prepend(rows, tail));
        int off = 0;
        foreach (var p in parts)
        {
            p.Read().CopyTo(y.Span.Slice(off, p.Length));
            off += p.Length;
        }
        if (!Tape.ShouldRecord(parts)) return y;
        return Tape.Attach(y, parts, (ctx, g) =>
        {
            int start = 0;
            foreach (var p in parts)
            {
                if (ctx.Needs(p))
                {
                    var gp = ctx.Buffer(p).Span;
                    for (int k = 0; k < ctx.K; k++)
                    {
                        var dst = gp.Slice(k * p.Length, p.Length);
                        System.Numerics.Tensors.TensorPrimitives.Add(dst, g.Read().Slice(k * y.Length + start, p.Length), dst);
                    }
                }
                start += p.Length;
            }
        });
    }

    /// <summary>Reorders dimensions: output dimension i is input dimension perm[i] (copies).</summary>
    public static Tensor Permute(Tensor x, params int[] perm)
    {
        if (perm.Length != x.Rank || perm.Order().Where((p, i) => p != i).Any())
            throw new ArgumentException($"Permute: [{string.Join(",", perm)}] is not a permutation of {x.Rank} dimensions.");
        var inShape = x.ShapeArray;
        var outShape = perm.Select(p => inShape[p]).ToArray();
        var y = Tensor.Empty(outShape);
        Copy(x.Read(), inShape, perm, y.Span);
        if (!Tape.ShouldRecord(x)) return y;
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            var tmp = new float[x.Length];
            for (int k = 0; k < ctx.K; k++)
            {
                Copy(g.Read().Slice(k * y.Length, y.Length), outShape, inverse, tmp);
                var dst = gx.Slice(k * x.Length, x.Length);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, tmp, dst);
            }
        });
    }

    /// <summary>Swaps two dimensions (copies).</summary>
    public static Tensor Transpose(Tensor x, int dim0, int dim1)
    {
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        int a = Shapes.Axis(dim0, x.Rank), b = Shapes.Axis(dim1, x.Rank);
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(x, perm);
    }

    /// <summary>dst = src permuted; trailing dimensions kept in place are copied as contiguous blocks.</summary>
    internal static void Copy(ReadOnlySpan<float> src, int[] inShape, int[] perm, Span<float> dst)
    {
        int rank = inShape.Length;
        int keep = 0; // trailing dimensions that stay where they are move as one block
        while (keep < rank && perm[rank - 1 - keep] == rank - 1 - keep) keep++;
        int block = 1;
        for (int i = rank - keep; i < rank; i++) block *= inShape[i];
        int outerRank = rank - keep;
        if (outerRank == 0)
        {
            src.CopyTo(dst);
            return;
        }
        var inStrides = new int[rank];
        int st = 1;
        for (int i = rank - 1; i >= 0; i--) { inStrides[i] = st; st *= inShape[i]; }
        var outShape = new int[outerRank];
        var strideOfOut = new int[outerRank];
        for (int i = 0; i < outerRank; i++) { outShape[i] = inShape[perm[i]]; strideOfOut[i] = inStrides[perm[i]]; }
        var idx = new int[outerRank];
        int count = dst.Length / Math.Max(1, block);
        int srcOff = 0;
        for (int o = 0; o < count; o++)
        {
            src.Slice(srcOff, block).CopyTo(dst.Slice(o * block, block));
            for (int d = outerRank - 1; d >= 0; d--)
            {
                idx[d]++;
                srcOff += strideOfOut[d];
                if (idx[d] < outShape[d]) break;
                srcOff -= strideOfOut[d] * outShape[d];
                idx[d] = 0;
            }
        }
    }
}
