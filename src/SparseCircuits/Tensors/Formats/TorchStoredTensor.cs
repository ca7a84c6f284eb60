namespace SparseCircuits.Tensors.Formats;

/// <summary>A storage of a PyTorch zip checkpoint: the raw little-endian elements in entry <c>data/{Key}</c>.</summary>
internal sealed record TorchStorage(StoredDType DType, string Key, long ElementCount);

/// <summary>A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a strided view of a storage.
/// Strides and the offset are in elements.</summary>
internal sealed record TorchStoredTensor(TorchStorage Storage, long Offset, int[] Shape, long[] Stride)
{
    public long ElementCount => Shapes.Count(Shape);

    /// <summary>True when the view is dense row-major (dimensions of size 1 may carry any stride).</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Stride[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>One past the largest storage index the view touches (the offset when it is empty).</summary>
    public long Extent
    {
        get
        {
            if (ElementCount == 0) return Offset;
            long last = Offset;
            for (int d = 0; d < Shape.Length; d++) last = checked(last + (Shape[d] - 1) * Stride[d]);
            return last + 1;
        }
    }
}
