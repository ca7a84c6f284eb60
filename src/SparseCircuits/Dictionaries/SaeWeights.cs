using SparseCircuits.Tensors;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// The affine maps every sparse autoencoder and transcoder shares, kept in the layout of the file they came from so that
/// memory-mapped weights need no copy.
/// </summary>
/// <param name="EncoderWeight">[d_in, F] when <paramref name="EncoderIsInOut"/> (SAELens <c>W_enc</c>), else [F, d_in]
/// (nn.Linear layout, dictionary_learning's <c>encoder.weight</c>).</param>
/// <param name="EncoderIsInOut">Layout of <paramref name="EncoderWeight"/>.</param>
/// <param name="EncoderBias">[F], added to the encoder's product (null for gated SAEs, whose two paths have their own biases).</param>
/// <param name="DecoderWeight">[F, d_out]: row j is feature j's direction.</param>
/// <param name="DecoderBias">[d_out].</param>
/// <param name="InputCentering">[d_in], subtracted from the input before encoding (SAELens <c>b_dec</c> with
/// <c>apply_b_dec_to_input</c>, dictionary_learning's shared <c>bias</c>); null for none.</param>
/// <param name="SkipWeight">[d_out, d_in]: a transcoder's linear skip connection, x̂ += x_in·W_skipᵀ; null for none.</param>
public sealed record SaeWeights(
    Tensor EncoderWeight,
    bool EncoderIsInOut,
    Tensor? EncoderBias,
    Tensor DecoderWeight,
    Tensor DecoderBias,
    Tensor? InputCentering = null,
    Tensor? SkipWeight = null)
{
    public int InputDim => EncoderIsInOut ? EncoderWeight.Dim(0) : EncoderWeight.Dim(1);

    public int Width => DecoderWeight.Dim(0);

    public int OutputDim => DecoderWeight.Dim(1);

    /// <summary>SAELens layout: W_enc [d_in, F], b_enc [F], W_dec [F, d_out], b_dec [d_out]; b_dec is subtracted from the
    /// input first when <paramref name="applyDecoderBiasToInput"/>.</summary>
    public static SaeWeights SaeLens(Tensor wEnc, Tensor? bEnc, Tensor wDec, Tensor bDec, bool applyDecoderBiasToInput = true, Tensor? wSkip = null) =>
        new(wEnc, true, bEnc, wDec, bDec, applyDecoderBiasToInput ? bDec : null, wSkip);

    /// <summary>Checks that the shapes fit together (programming errors; file loaders check first and name the file).</summary>
    public void Validate()
    {
        if (EncoderWeight.Rank != 2 || DecoderWeight.Rank != 2)
            throw new ArgumentException($"Encoder {EncoderWeight} and decoder {DecoderWeight} weights must be matrices.");
        int f = Width, din = InputDim, dout = OutputDim;
        int encWidth = EncoderIsInOut ? EncoderWeight.Dim(1) : EncoderWeight.Dim(0);
        if (encWidth != f) throw new ArgumentException($"Encoder {EncoderWeight} has {encWidth} features, decoder {DecoderWeight} has {f}.");
        Require(EncoderBias, f, "encoder bias");
        Require(DecoderBias, dout, "decoder bias");
        Require(InputCentering, din, "input centering");
        if (SkipWeight is not null && (SkipWeight.Rank != 2 || SkipWeight.Dim(0) != dout || SkipWeight.Dim(1) != din))
            throw new ArgumentException($"Skip weight {SkipWeight} must be [{dout}, {din}].");
    }

    internal static void Require(Tensor? t, int length, string what)
    {
        if (t is not null && (t.Rank != 1 || t.Length != length))
            throw new ArgumentException($"The {what} {t} must have shape [{length}].");
    }
}
