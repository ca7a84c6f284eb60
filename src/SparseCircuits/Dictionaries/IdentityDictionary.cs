using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// The identity dictionary ("neurons", the reference's <c>IdentityDict</c>): F = d, the features are the activation's
/// own coordinates, decoding is the identity, and the error term is identically zero. Used for neuron-level circuits.
/// </summary>
public sealed class IdentityDictionary : IFeatureDictionary
{
    public const string KindName = "identity";

    private readonly Lazy<Tensor> decoderWeight;

    public IdentityDictionary(Site site, int dimension)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension));
        Info = new DictionaryInfo(KindName, site, site, "identity");
        Width = dimension;
        DecoderBias = Tensor.Zeros(dimension);
        decoderWeight = new Lazy<Tensor>(() =>
        {
            var eye = Tensor.Zeros(dimension, dimension);
            for (int i = 0; i < dimension; i++) eye.Span[i * dimension + i] = 1f;
            return eye;
        });
    }

    public DictionaryInfo Info { get; }

    public int InputDim => Width;

    public int OutputDim => Width;

    public int Width { get; }

    /// <summary>The d×d identity (made on first use).</summary>
    public Tensor DecoderWeight => decoderWeight.Value;

    public Tensor DecoderBias { get; }

    public Tensor Encode(Tensor x)
    {
        Check(x.Columns);
        return x;
    }

    public SparseCodes EncodeSparse(Tensor x)
    {
        Check(x.Columns);
        return SparseCodes.FromDense(x.Span, x.Rows, Width);
    }

    public Tensor Decode(Tensor features, Tensor? input = null)
    {
        Check(features.Columns);
        return features;
    }

    public Tensor DecodeSparse(SparseCodes features, Tensor? input = null)
    {
        Check(features.Width);
        return features.ToDense();
    }

    private void Check(int columns)
    {
        if (columns != Width) throw new ArgumentException($"{columns} columns for an identity dictionary of dimension {Width}.");
    }
}
