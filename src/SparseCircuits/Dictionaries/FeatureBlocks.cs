using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Sparse products with a dictionary matrix W [F, d] (decoder or encoder rows) over a pattern: pattern row r lists
/// feature rows j of W (ascending). Rows of one batch share most of their features, so instead of fetching W[j] once
/// per listing (scattered reads of the whole matrix per row), W is walked in blocks of <see cref="BlockRows"/> rows that
/// stay in cache while every pattern row takes its entries from the block: each row of W comes from memory once per
/// call. A lazily transposed W that has not been made is read from its stored [d, F] layout a block at a time
/// (transposed into a cache-sized tile), so the full copy is never needed. Blocks run on every core.
/// </summary>
public static class FeatureBlocks
{
    /// <summary>Rows of W per block: 256 rows of d = 512 are 512 KB, an L2's worth.</summary>
    public const int BlockRows = 256;

    /// <summary>
    /// output[outputStart[r] + c·m_r + t] = W[j_t]·g_c for pattern row r's t-th entry j_t (entries patternStart[r]..
    /// patternStart[r+1] of <paramref name="patternIndices"/>, m_r of them) and its c-th vector g_c (vectors
    /// vectorStart[r]..vectorStart[r+1] of <paramref name="vectors"/> [V, d]).
    /// </summary>
    public static void Dots(Tensor w, int[] patternStart, int[] patternIndices, int[] vectorStart, ReadOnlySpan<float> vectors,
        int[] outputStart, Span<float> output)
    {
        int rows = patternStart.Length - 1, d = w.Dim(1);
        if (vectorStart.Length != rows + 1 || outputStart.Length != rows + 1) throw new ArgumentException("One vector range and output offset per pattern row.");
        if (vectors.Length != (long)vectorStart[rows] * d) throw new ArgumentException($"{vectors.Length} floats for {vectorStart[rows]} vectors of {d}.");
        long work = 0;
        for (int r = 0; r < rows; r++) work += (long)(patternStart[r + 1] - patternStart[r]) * (vectorStart[r + 1] - vectorStart[r]) * d;
        var source = Rows.Of(w);
        unsafe
        {
            fixed (float* vp = vectors, op = output)
            {
                nint g = (nint)vp, o = (nint)op;
                ForBlocks(source, work, (first, end) => DotBlocks(source, patternStart, patternIndices, vectorStart, (float*)g, outputStart, (float*)o, first, end));
            }
        }
    }

    /// <summary>y[r] += Σ_t values[e_t]·W[j_t] over pattern row r's entries, for y [rows, d].</summary>
    public static void Combine(Tensor w, int[] patternStart, int[] patternIndices, ReadOnlySpan<float> values, Span<float> y)
    {
        int rows = patternStart.Length - 1, d = w.Dim(1);
        if (y.Length != (long)rows * d) throw new ArgumentException($"Output of {y.Length} floats for {rows} rows of {d}.");
        if (values.Length < patternStart[rows]) throw new ArgumentException($"{values.Length} values for {patternStart[rows]} entries.");
        var source = Rows.Of(w);
        var partials = new List<(int First, float[] Sums)>();
        unsafe
        {
            fixed (float* vp = values)
            {
                nint v = (nint)vp;
                ForBlocks(source, (long)patternStart[rows] * d, (first, end) =>
                {
                    var partial = new float[rows * d]; // each block range sums into its own rows, added at the end
                    CombineBlocks(source, patternStart, patternIndices, (float*)v, partial, first, end);
                    lock (partials) partials.Add((first, partial));
                });
            }
        }
        // Added in block order, not in the order the threads finished, so that the sums are the same every run.
        foreach (var (_, partial) in partials.OrderBy(p => p.First)) TensorPrimitives.Add(y, partial, y);
    }

    private static void ForBlocks(Rows source, long work, Action<int, int> body)
    {
        int blocks = (source.Count + BlockRows - 1) / BlockRows;
        Parallelism.ForRange(blocks, Math.Max(1, work / Math.Max(1, blocks)), body);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few times per run, each time for long: no tiering
    private static unsafe void DotBlocks(Rows source, int[] patternStart, int[] patternIndices, int[] vectorStart, float* g,
        int[] outputStart, float* output, int firstBlock, int endBlock)
    {
        int rows = patternStart.Length - 1, d = source.Width;
        bool wide = Vector512.IsHardwareAccelerated && d % Vector512<float>.Count == 0;
        var next = Starts(patternStart, patternIndices, firstBlock * BlockRows);
        var tile = source.NeedsTile ? new float[BlockRows * d] : null;
        for (int block = firstBlock; block < endBlock; block++)
        {
            int j0 = block * BlockRows, j1 = Math.Min(source.Count, j0 + BlockRows);
            if (!AnyIn(patternStart, patternIndices, next, j1)) continue;
            var weights = source.Block(j0, j1, tile);
            for (int r = 0; r < rows; r++)
            {
                int e = next[r], end = patternStart[r + 1];
                if (e >= end || patternIndices[e] >= j1) continue;
                int m = end - patternStart[r], count = vectorStart[r + 1] - vectorStart[r];
                float* gr = g + (long)vectorStart[r] * d;
                float* rowOutput = output + outputStart[r] - patternStart[r];
                int last = e;
                while (last < end && patternIndices[last] < j1) last++;
                fixed (float* tileRows = weights)
                {
                    // Four weight rows at a time against four vectors at a time (16 accumulators), then the remainders.
                    if (wide)
                    {
                        for (; e + 4 <= last; e += 4)
                        {
                            float* w0 = tileRows + (long)(patternIndices[e] - j0) * d, w1 = tileRows + (long)(patternIndices[e + 1] - j0) * d;
                            float* w2 = tileRows + (long)(patternIndices[e + 2] - j0) * d, w3 = tileRows + (long)(patternIndices[e + 3] - j0) * d;
                            int c = 0;
                            for (; c + 4 <= count; c += 4) Dot4x4(w0, w1, w2, w3, gr + (long)c * d, d, rowOutput + e + (long)c * m, m);
                            for (; c < count; c++) Dot4x1(w0, w1, w2, w3, gr + (long)c * d, d, rowOutput + e + (long)c * m);
                        }
                    }
                    for (; e < last; e++)
                    {
                        var row = weights.Slice((patternIndices[e] - j0) * d, d);
                        float* o = rowOutput + e;
                        int c = 0;
                        if (wide)
                            for (; c + 4 <= count; c += 4) Dot4(row, gr + (long)c * d, d, o + (long)c * m, m);
                        for (; c < count; c++) o[(long)c * m] = TensorPrimitives.Dot(row, new ReadOnlySpan<float>(gr + (long)c * d, d));
                    }
                }
                next[r] = e;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CombineBlocks(Rows source, int[] patternStart, int[] patternIndices, float* values, float[] y, int firstBlock, int endBlock)
    {
        int rows = patternStart.Length - 1, d = source.Width;
        var next = Starts(patternStart, patternIndices, firstBlock * BlockRows);
        var tile = source.NeedsTile ? new float[BlockRows * d] : null;
        for (int block = firstBlock; block < endBlock; block++)
        {
            int j0 = block * BlockRows, j1 = Math.Min(source.Count, j0 + BlockRows);
            if (!AnyIn(patternStart, patternIndices, next, j1)) continue;
            var weights = source.Block(j0, j1, tile);
            for (int r = 0; r < rows; r++)
            {
                int e = next[r], end = patternStart[r + 1];
                var target = y.AsSpan(r * d, d);
                for (; e < end && patternIndices[e] < j1; e++)
                    TensorPrimitives.MultiplyAdd(weights.Slice((patternIndices[e] - j0) * d, d), values[e], target, target);
                next[r] = e;
            }
        }
    }

    /// <summary>Per pattern row, its first entry at or after feature <paramref name="feature"/>.</summary>
    private static int[] Starts(int[] patternStart, int[] patternIndices, int feature)
    {
        int rows = patternStart.Length - 1;
        var next = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int at = patternIndices.AsSpan(patternStart[r], patternStart[r + 1] - patternStart[r]).BinarySearch(feature);
            next[r] = patternStart[r] + (at >= 0 ? at : ~at);
        }
        return next;
    }

    /// <summary>True when some pattern row has an entry before feature <paramref name="end"/> (from its next entry).</summary>
    private static bool AnyIn(int[] patternStart, int[] patternIndices, int[] next, int end)
    {
        for (int r = 0; r < next.Length; r++)
            if (next[r] < patternStart[r + 1] && patternIndices[next[r]] < end) return true;
        return false;
    }

    /// <summary>Dots of rows w0..w3 with vectors g[0..3] (stride d): output[c·stride + t] = w_t·g_c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot4x4(float* w0, float* w1, float* w2, float* w3, float* g, int d, float* output, int stride)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        for (int i = 0; i < d; i += Vector512<float>.Count)
        {
            var x0 = Vector512.Load(w0 + i);
            var x1 = Vector512.Load(w1 + i);
            var x2 = Vector512.Load(w2 + i);
            var x3 = Vector512.Load(w3 + i);
            var g0 = Vector512.Load(g + i);
            a00 = Vector512.FusedMultiplyAdd(x0, g0, a00);
            a10 = Vector512.FusedMultiplyAdd(x1, g0, a10);
            a20 = Vector512.FusedMultiplyAdd(x2, g0, a20);
            a30 = Vector512.FusedMultiplyAdd(x3, g0, a30);
            var g1 = Vector512.Load(g + d + i);
            a01 = Vector512.FusedMultiplyAdd(x0, g1, a01);
            a11 = Vector512.FusedMultiplyAdd(x1, g1, a11);
            a21 = Vector512.FusedMultiplyAdd(x2, g1, a21);
            a31 = Vector512.FusedMultiplyAdd(x3, g1, a31);
            var g2 = Vector512.Load(g + 2 * d + i);
            a02 = Vector512.FusedMultiplyAdd(x0, g2, a02);
            a12 = Vector512.FusedMultiplyAdd(x1, g2, a12);
            a22 = Vector512.FusedMultiplyAdd(x2, g2, a22);
            a32 = Vector512.FusedMultiplyAdd(x3, g2, a32);
            var g3 = Vector512.Load(g + 3 * d + i);
            a03 = Vector512.FusedMultiplyAdd(x0, g3, a03);
            a13 = Vector512.FusedMultiplyAdd(x1, g3, a13);
            a23 = Vector512.FusedMultiplyAdd(x2, g3, a23);
            a33 = Vector512.FusedMultiplyAdd(x3, g3, a33);
        }
        float* o0 = output, o1 = output + stride, o2 = output + 2 * stride, o3 = output + 3 * stride;
        o0[0] = Vector512.Sum(a00); o0[1] = Vector512.Sum(a10); o0[2] = Vector512.Sum(a20); o0[3] = Vector512.Sum(a30);
        o1[0] = Vector512.Sum(a01); o1[1] = Vector512.Sum(a11); o1[2] = Vector512.Sum(a21); o1[3] = Vector512.Sum(a31);
        o2[0] = Vector512.Sum(a02); o2[1] = Vector512.Sum(a12); o2[2] = Vector512.Sum(a22); o2[3] = Vector512.Sum(a32);
        o3[0] = Vector512.Sum(a03); o3[1] = Vector512.Sum(a13); o3[2] = Vector512.Sum(a23); o3[3] = Vector512.Sum(a33);
    }

    /// <summary>Dots of rows w0..w3 with one vector g: output[t] = w_t·g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot4x1(float* w0, float* w1, float* w2, float* w3, float* g, int d, float* output)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < d; i += Vector512<float>.Count)
        {
            var x = Vector512.Load(g + i);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + i), x, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), x, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), x, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), x, a3);
        }
        output[0] = Vector512.Sum(a0);
        output[1] = Vector512.Sum(a1);
        output[2] = Vector512.Sum(a2);
        output[3] = Vector512.Sum(a3);
    }

    /// <summary>The dots of one row with four consecutive vectors g[0..3] (stride d), written at out[0], out[stride], ….</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot4(ReadOnlySpan<float> row, float* g, int d, float* output, int stride)
    {
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        fixed (float* w = row)
        {
            for (int i = 0; i < d; i += Vector512<float>.Count)
            {
                var x = Vector512.Load(w + i);
                a0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + i), a0);
                a1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + d + i), a1);
                a2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + 2 * d + i), a2);
                a3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(g + 3 * d + i), a3);
            }
        }
        output[0] = Vector512.Sum(a0);
        output[stride] = Vector512.Sum(a1);
        output[2 * stride] = Vector512.Sum(a2);
        output[3 * stride] = Vector512.Sum(a3);
    }

    /// <summary>W's rows as blocks: slices of a row-major W, or tiles transposed from a lazy transpose's stored
    /// columns [d, F] when its copy has not been made.</summary>
    private readonly struct Rows
    {
        private readonly Memory<float> rows;
        private readonly Memory<float> columns;

        private Rows(Memory<float> rows, Memory<float> columns, int count, int width)
        {
            this.rows = rows;
            this.columns = columns;
            Count = count;
            Width = width;
        }

        public int Count { get; }

        public int Width { get; }

        public bool NeedsTile => rows.IsEmpty;

        public static Rows Of(Tensor w)
        {
            var stored = LazyTranspose.IsMaterialized(w) ? null : LazyTranspose.SourceOf(w);
            return stored is null
                ? new Rows(w.Storage, Memory<float>.Empty, w.Dim(0), w.Dim(1))
                : new Rows(Memory<float>.Empty, stored.Storage, w.Dim(0), w.Dim(1));
        }

        /// <summary>Rows j0..j1 of W as [(j1 − j0), d].</summary>
        public ReadOnlySpan<float> Block(int j0, int j1, float[]? tile)
        {
            int d = Width, n = j1 - j0;
            if (!rows.IsEmpty) return rows.Span.Slice(j0 * d, n * d);
            TransposeTile(columns.Span, Count, j0, n, d, tile!);
            return tile.AsSpan(0, n * d);
        }

        /// <summary>tile[j, i] = columns[i, j0 + j] for j &lt; n, i &lt; d (columns is [d, F]).</summary>
        private static unsafe void TransposeTile(ReadOnlySpan<float> columns, int f, int j0, int n, int d, float[] tile)
        {
            fixed (float* s = columns, t = tile)
            {
                int i = 0;
                if (Avx.IsSupported && n % 8 == 0)
                    for (; i + 8 <= d; i += 8)
                        for (int j = 0; j < n; j += 8)
                            Tensors.Simd.Transpose8x8.Block(s + (long)i * f + j0 + j, f, t + (long)j * d + i, d); // the weights were checked on loading
                for (; i < d; i++)
                    for (int j = 0; j < n; j++) t[(long)j * d + i] = s[(long)i * f + j0 + j];
            }
        }
    }
}
