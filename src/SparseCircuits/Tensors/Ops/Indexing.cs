using System.Numerics.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Row and column selection: embedding lookup, gathering and replacing rows, gathering columns. Backward passes
/// scatter-add into dense gradient buffers, touching only the selected rows or columns.
/// </summary>
public static class Indexing
{
    /// <summary>
    /// Rows of an embedding table [V, d] for token <paramref name="ids"/>, shaped [*prefixShape, d] (default
    /// [ids.Length, d]). Repeated ids are fine; their gradients add.
    /// </summary>
    public static Tensor Embedding(Tensor table, ReadOnlySpan<int> ids, params int[] prefixShape)
    {
        if (table.Rank != 2) throw new ArgumentException($"Embedding: table {table} must be [vocabulary, d].");
        if (prefixShape.Length == 0) prefixShape = new[] { ids.Length };
        if (Shapes.Count(prefixShape) != ids.Length)
            throw new ArgumentException($"Embedding: {ids.Length} ids do not fill the shape {Shapes.Format(prefixShape)}.");
        int vocab = table.Dim(0);
        for (int n = 0; n < ids.Length; n++)
        {
            if ((uint)ids[n] >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), ids[n], $"Token id {ids[n]} (position {n}) is outside the embedding table of {vocab} rows.");
        }
        var outShape = new int[prefixShape.Length + 1];
        prefixShape.CopyTo(outShape, 0);
        outShape[^1] = table.Dim(1);
        return Gather(table, ids.ToArray(), outShape);
    }

    /// <summary>Rows <paramref name="rows"/> of x [N, ...] (dimension 0), as [rows.Length, ...].</summary>
    public static Tensor GatherRows(Tensor x, int[] rows)
    {
        if (x.Rank == 0) throw new ArgumentException("GatherRows needs at least one dimension.");
        CheckIndices(rows, x.Dim(0), nameof(rows), "row");
        var outShape = x.ShapeArray;
        outShape[0] = rows.Length;
        return Gather(x, (int[])rows.Clone(), outShape);
    }

    /// <summary>
    /// A copy of dst [N, ...] whose rows <paramref name="rows"/> (distinct) are replaced by the rows of
    /// src [rows.Length, ...]; dst itself is not modified.
    /// </summary>
    public static Tensor ScatterRows(Tensor dst, int[] rows, Tensor src)
    {
        if (dst.Rank == 0 || src.Rank != dst.Rank || src.Dim(0) != rows.Length || !src.Shape[1..].SequenceEqual(dst.Shape[1..]))
            throw new ArgumentException($"ScatterRows: source {src} must be [{rows.Length}, ...] with the rows of {dst}.");
        int n = dst.Dim(0);
        CheckIndices(rows, n, nameof(rows), "row");
        var replaced = new bool[n];
        foreach (int r in rows)
        {
            if (replaced[r]) throw new ArgumentException($"ScatterRows: row {r} is listed more than once.", nameof(rows));
            replaced[r] = true;
        }
        rows = (int[])rows.Clone();
        int width = n == 0 ? 0 : dst.Length / n;
        var y = Tensor.FromSpan(dst.Read(), dst.ShapeArray);
        for (int i = 0; i < rows.Length; i++) src.Read().Slice(i * width, width).CopyTo(y.Span.Slice(rows[i] * width, width));
        if (!Tape.ShouldRecord(dst, src)) return y;
        return Tape.Attach(y, new[] { dst, src }, (ctx, g) =>
        {
            var gs = g.Read();
            if (ctx.Needs(src))
            {
                var gsrc = ctx.Buffer(src).Span;
                for (int k = 0; k < ctx.K; k++)
                for (int i = 0; i < rows.Length; i++)
                {
                    var target = gsrc.Slice((k * rows.Length + i) * width, width);
                    TensorPrimitives.Add(target, gs.Slice((k * n + rows[i]) * width, width), target);
                }
            }
            if (ctx.Needs(dst))
            {
                var gdst = ctx.Buffer(dst).Span;
                for (int k = 0; k < ctx.K; k++)
                for (int r = 0; r < n; r++)
                {
                    if (replaced[r]) continue; // overwritten rows do not depend on dst
                    var target = gdst.Slice((k * n + r) * width, width);
                    TensorPrimitives.Add(target, gs.Slice((k * n + r) * width, width), target);
                }
            }
        });
    }

    /// <summary>Columns <paramref name="cols"/> of the last dimension of x [..., n], as [..., cols.Length] (e.g. only
    /// the vocabulary entries a metric reads).</summary>
    public static Tensor GatherColumns(Tensor x, int[] cols)
    {
        if (x.Rank == 0) throw new ArgumentException("GatherColumns needs at least one dimension.");
        int n = x.Columns, m = cols.Length, rows = x.Rows;
        CheckIndices(cols, n, nameof(cols), "column");
        cols = (int[])cols.Clone();
        var outShape = x.ShapeArray;
        outShape[^1] = m;
        var y = Tensor.Empty(outShape);
        var xs = x.Read();
        var ys = y.Span;
        for (int r = 0; r < rows; r++)
        {
            var xr = xs.Slice(r * n, n);
            var yr = ys.Slice(r * m, m);
            for (int c = 0; c < m; c++) yr[c] = xr[cols[c]];
        }
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            var gs = g.Read();
            for (int row = 0; row < ctx.K * rows; row++)
            {
                var gxr = gx.Slice(row * n, n);
                var gr = gs.Slice(row * m, m);
                for (int c = 0; c < m; c++) gxr[cols[c]] += gr[c];
            }
        });
    }

    /// <summary>y[i] = x[index[i]] over rows of dimension 0; backward scatter-adds row by row.</summary>
    private static Tensor Gather(Tensor x, int[] index, int[] outShape)
    {
        int n = x.Dim(0), width = n == 0 ? 0 : x.Length / n;
        var y = Tensor.Empty(outShape);
        var xs = x.Read();
        var ys = y.Span;
        for (int i = 0; i < index.Length; i++) xs.Slice(index[i] * width, width).CopyTo(ys.Slice(i * width, width));
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            var gs = g.Read();
            for (int k = 0; k < ctx.K; k++)
            for (int i = 0; i < index.Length; i++)
            {
                var target = gx.Slice((k * n + index[i]) * width, width);
                TensorPrimitives.Add(target, gs.Slice((k * index.Length + i) * width, width), target);
            }
        });
    }

    private static void CheckIndices(int[] indices, int count, string paramName, string what)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)count)
                throw new ArgumentOutOfRangeException(paramName, indices[i], $"{char.ToUpperInvariant(what[0])}{what[1..]} {indices[i]} (entry {i}) is outside 0..{count - 1}.");
        }
    }
}
