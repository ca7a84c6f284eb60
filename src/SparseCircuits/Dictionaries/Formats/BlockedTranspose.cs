using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Simd;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>
/// A cache- and TLB-blocked, parallel matrix transpose (dictionary_learning stores decoders [d, F]; decoding wants rows
/// [F, d]). Each core takes a contiguous band of destination rows and walks it in square tiles, so both the reads and
/// the writes of a tile stay within a few pages. It also reports whether every element is finite, which saves the
/// loader a separate pass over the matrix.
/// </summary>
public static class BlockedTranspose
{
    private const int Tile = 64;

    /// <summary>The transpose of a [rows, cols] matrix as a new [cols, rows] tensor.</summary>
    public static Tensor Transpose(Tensor m) => Transpose(m, out _);

    /// <summary>The transpose, and whether every element is finite (no NaN or infinity).</summary>
    public static unsafe Tensor Transpose(Tensor m, out bool allFinite)
    {
        if (m.Rank != 2) throw new ArgumentException($"Transpose needs a matrix; got {m}.");
        int rows = m.Dim(0), cols = m.Dim(1);
        var t = Tensor.Empty(cols, rows);
        int bands = (long)rows * cols < Parallelism.MinParallelWork ? 1 : Math.Min(Parallelism.Degree, (cols + Tile - 1) / Tile);
        var finite = new bool[bands];
        using MemoryHandle src = m.Storage.Pin(), dst = t.Storage.Pin();
        float* s = (float*)src.Pointer, d = (float*)dst.Pointer;
        Parallelism.For(bands, (long)rows * cols / Math.Max(1, bands), band =>
        {
            // Band = destination rows [c0, c1) = source columns [c0, c1), split on tile boundaries.
            int tiles = (cols + Tile - 1) / Tile;
            int c0 = (int)((long)tiles * band / bands) * Tile, c1 = Math.Min(cols, (int)((long)tiles * (band + 1) / bands) * Tile);
            var poison = Vector256<float>.Zero; // stays 0 unless an element is NaN or ±∞ (x·0 is then NaN)
            for (int ct = c0; ct < c1; ct += Tile)
            {
                int ce = Math.Min(c1, ct + Tile);
                for (int rt = 0; rt < rows; rt += Tile)
                {
                    int re = Math.Min(rows, rt + Tile);
                    if (Avx.IsSupported && re - rt == Tile && ce - ct == Tile)
                    {
                        for (int r = rt; r < re; r += 8)
                        for (int c = ct; c < ce; c += 8)
                            poison = Transpose8x8(s + (long)r * cols + c, cols, d + (long)c * rows + r, rows, poison);
                        continue;
                    }
                    float scalarPoison = 0f;
                    for (int r = rt; r < re; r++)
                    {
                        float* from = s + (long)r * cols;
                        float* to = d + r;
                        for (int c = ct; c < ce; c++)
                        {
                            float v = from[c];
                            scalarPoison += v * 0f;
                            to[(long)c * rows] = v;
                        }
                    }
                    poison += Vector256.Create(scalarPoison);
                }
            }
            poison = Vector256.Equals(poison, Vector256<float>.Zero);
            finite[band] = poison.ExtractMostSignificantBits() == 0xFF;
        });
        allFinite = Array.TrueForAll(finite, f => f);
        return t;
    }

    /// <summary>Transposes the 8×8 block at <paramref name="from"/> (row stride <paramref name="fromStride"/>) into
    /// <paramref name="to"/> (row stride <paramref name="toStride"/>); adds x·0 of every element to the poison.</summary>
    internal static unsafe Vector256<float> Transpose8x8(float* from, int fromStride, float* to, int toStride, Vector256<float> poison) =>
        poison + Tensors.Simd.Transpose8x8.Block(from, fromStride, to, toStride) * Vector256<float>.Zero;
}
