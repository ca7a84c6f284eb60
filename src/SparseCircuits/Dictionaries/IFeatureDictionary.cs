using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries;

/// <summary>Where a dictionary reads and writes, and how it was described on disk.</summary>
public sealed record DictionaryInfo(
    string Kind,
    Site InputSite,
    Site OutputSite,
    string Source)
{
    /// <summary>A transcoder reads one site and reconstructs another.</summary>
    public bool IsTranscoder => InputSite != OutputSite;
}

/// <summary>
/// A dictionary maps an activation x [.., d_in] to features f [.., F] and back, x̂ = dec(f) [.., d_out]. For an SAE d_in =
/// d_out and the input and output sites coincide; a transcoder reads one site and reconstructs another. Decoding is affine
/// in f (x̂ = f·W_dec + b_dec, plus an optional skip term from the input for transcoders), which the circuit algorithm relies
/// on: ∂x̂/∂f_j is the decoder row j.
/// </summary>
public interface IFeatureDictionary
{
    DictionaryInfo Info { get; }

    int InputDim { get; }

    int OutputDim { get; }

    /// <summary>Number of features F.</summary>
    int Width { get; }

    /// <summary>Decoder rows W_dec [F, d_out] (row j is feature j's direction).</summary>
    Tensor DecoderWeight { get; }

    /// <summary>Decoder bias b_dec [d_out].</summary>
    Tensor DecoderBias { get; }

    /// <summary>Features as a dense, differentiable tensor [.., F] (training, and gradients through encoding).</summary>
    Tensor Encode(Tensor x);

    /// <summary>Features of rows x [N, d_in] held sparsely (inference; nothing recorded).</summary>
    SparseCodes EncodeSparse(Tensor x);

    /// <summary>x̂ from dense features [.., F], differentiable in f (and in x for a transcoder's skip term).</summary>
    Tensor Decode(Tensor features, Tensor? input = null);

    /// <summary>x̂ [N, d_out] from sparse features, touching only active features' decoder rows (no gradient).</summary>
    Tensor DecodeSparse(SparseCodes features, Tensor? input = null);
}
