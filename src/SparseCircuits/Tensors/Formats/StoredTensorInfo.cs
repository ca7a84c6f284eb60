namespace SparseCircuits.Tensors.Formats;

/// <summary>What a checkpoint file says about one stored tensor, before any data is read.</summary>
public sealed record StoredTensorInfo(string Name, StoredDType DType, int[] Shape)
{
    public long ElementCount => Shapes.Count(Shape);

    public long ByteCount => ElementCount * DType.Size();

    public override string ToString() => $"{Name}: {DType.SafetensorsTag()} {Shapes.Format(Shape)}";
}
