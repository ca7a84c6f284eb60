namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// A checkpoint file seen as named tensors (safetensors, PyTorch zip). Unknown names and malformed data raise
/// <see cref="SfcInputException"/> naming the file. Disposing releases the file; tensors already returned stay valid.
/// </summary>
public interface ITensorFile : IDisposable
{
    string Path { get; }

    /// <summary>Tensor names in file order.</summary>
    IReadOnlyList<string> Names { get; }

    bool Contains(string name);

    StoredTensorInfo Info(string name);

    /// <summary>A float32 copy of the tensor, converting from its stored type.</summary>
    Tensor ReadTensor(string name);

    /// <summary>The tensor as float32: without a copy where the format allows it (float32 safetensors), else as
    /// <see cref="ReadTensor"/>.</summary>
    Tensor GetTensor(string name);

    /// <summary>An integer tensor's elements, row-major, widened to int64.</summary>
    long[] ReadInt64(string name);
}
