using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Formats;

/// <summary>Copies a strided view of raw elements into dense row-major order (for PyTorch tensors saved as
/// transposes, slices or other non-contiguous views of their storage).</summary>
internal static class StridedGather
{
    /// <param name="source">Raw elements; element 0 is the view's first element (its storage offset).</param>
    /// <param name="elementSize">Bytes per element: 1, 2, 4 or 8.</param>
    /// <param name="shape">The view's sizes.</param>
    /// <param name="stride">The view's strides, in elements.</param>
    /// <param name="destination">Room for every element of the view, row-major.</param>
    public static void Gather(ReadOnlySpan<byte> source, int elementSize, ReadOnlySpan<int> shape, ReadOnlySpan<long> stride, Span<byte> destination)
    {
        if (destination.Length != Shapes.Count(shape) * elementSize) throw new ArgumentException("Destination does not match the view.", nameof(destination));
        switch (elementSize)
        {
            case 1: Gather(source, shape, stride, destination); break;
            case 2: Gather(MemoryMarshal.Cast<byte, ushort>(source), shape, stride, MemoryMarshal.Cast<byte, ushort>(destination)); break;
            case 4: Gather(MemoryMarshal.Cast<byte, uint>(source), shape, stride, MemoryMarshal.Cast<byte, uint>(destination)); break;
            case 8: Gather(MemoryMarshal.Cast<byte, ulong>(source), shape, stride, MemoryMarshal.Cast<byte, ulong>(destination)); break;
            default: throw new ArgumentOutOfRangeException(nameof(elementSize), elementSize, null);
        }
    }

    /// <summary>Tile edge for views whose last dimension is not dense (transposes): copying tile by tile keeps
    /// both the strided reads and the writes within a few cache lines and pages.</summary>
    private const int Tile = 64;

    public static void Gather<T>(ReadOnlySpan<T> source, ReadOnlySpan<int> shape, ReadOnlySpan<long> stride, Span<T> destination) where T : unmanaged
    {
        if (destination.IsEmpty) return;
        int rank = shape.Length;
        if (rank == 0)
        {
            destination[0] = source[0];
            return;
        }
        if (rank == 1)
        {
            for (int j = 0, at = 0; j < destination.Length; j++, at = checked(at + (int)stride[0])) destination[j] = source[at];
            return;
        }

        // Odometer over all but the last two dimensions; each step copies one [rows, cols] matrix.
        int rows = shape[^2], cols = shape[^1];
        int rowStride = checked((int)stride[^2]), colStride = checked((int)stride[^1]);
        Span<int> index = stackalloc int[rank - 2];
        index.Clear();
        int written = 0;
        while (true)
        {
            long start = 0;
            for (int d = 0; d < rank - 2; d++) start += index[d] * stride[d];
            var matrix = destination.Slice(written, rows * cols);
            int origin = checked((int)start);
            if (colStride == 1)
            {
                for (int i = 0; i < rows; i++) source.Slice(origin + i * rowStride, cols).CopyTo(matrix.Slice(i * cols, cols));
            }
            else
            {
                for (int i0 = 0; i0 < rows; i0 += Tile)
                for (int j0 = 0; j0 < cols; j0 += Tile)
                {
                    int iEnd = Math.Min(rows, i0 + Tile), width = Math.Min(cols - j0, Tile);
                    for (int i = i0; i < iEnd; i++)
                    {
                        var row = matrix.Slice(i * cols + j0, width);
                        int at = origin + i * rowStride + j0 * colStride;
                        for (int j = 0; j < row.Length; j++, at += colStride) row[j] = source[at];
                    }
                }
            }
            written += rows * cols;

            int axis = rank - 3;
            while (axis >= 0 && ++index[axis] == shape[axis]) index[axis--] = 0;
            if (axis < 0) return;
        }
    }
}
