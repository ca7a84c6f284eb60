using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>A cache-blocked, parallel matrix transpose (dictionary_learning stores decoders [d, F]; decoding wants rows
/// [F, d]).</summary>
public static class BlockedTranspose
{
    private const int Tile = 32;

    /// <summary>The transpose of a [rows, cols] matrix as a new [cols, rows] tensor.</summary>
    public static Tensor Transpose(Tensor m)
    {
        if (m.Rank != 2) throw new ArgumentException($"Transpose needs a matrix; got {m}.");
        int rows = m.Dim(0), cols = m.Dim(1);
        var t = Tensor.Empty(cols, rows);
        var src = m.Storage;
        var dst = t.Storage;
        int colTiles = (cols + Tile - 1) / Tile;
        // Each work item is one band of Tile source columns = Tile destination rows: writes never overlap.
        Parallelism.For(colTiles, (long)Tile * rows, ct =>
        {
            var s = src.Span;
            var d = dst.Span;
            int c0 = ct * Tile, c1 = Math.Min(cols, c0 + Tile);
            for (int r0 = 0; r0 < rows; r0 += Tile)
            {
                int r1 = Math.Min(rows, r0 + Tile);
                for (int r = r0; r < r1; r++)
                {
                    var srcRow = s.Slice(r * cols, cols);
                    for (int c = c0; c < c1; c++) d[c * rows + r] = srcRow[c];
                }
            }
        });
        return t;
    }
}
