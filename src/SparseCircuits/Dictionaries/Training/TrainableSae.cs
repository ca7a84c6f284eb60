using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// The parameters a trainer updates, in SAELens layout: W_enc [d_in, F], b_enc [F], W_dec [F, d_out], b_dec [d_out], and
/// for JumpReLU the log of the thresholds, log θ [F] (θ = exp(log θ) stays positive). Encoding:
/// pre = (x − b_dec)·W_enc + b_enc for an SAE (x·W_enc + b_enc for a transcoder, whose b_dec lives in the output space);
/// f = ReLU(pre), TopK(ReLU(pre), k) or pre·1[pre &gt; θ]. Decoding: x̂ = f·W_dec + b_dec. <see cref="ToDictionary"/> gives
/// the inference dictionary.
/// </summary>
public sealed class TrainableSae
{
    public TrainableSae(SaeArchitecture architecture, Tensor encoderWeight, Tensor encoderBias, Tensor decoderWeight,
        Tensor decoderBias, Tensor? logThreshold = null, int k = 0, DictionaryInfo? info = null)
    {
        int dIn = encoderWeight.Dim(0), width = encoderWeight.Dim(1), dOut = decoderWeight.Dim(1);
        if (encoderWeight.Rank != 2 || decoderWeight.Rank != 2 || decoderWeight.Dim(0) != width)
            throw new ArgumentException($"W_enc {encoderWeight} and W_dec {decoderWeight} do not describe one dictionary.");
        if (encoderBias.Length != width || decoderBias.Length != dOut)
            throw new ArgumentException($"b_enc {encoderBias} or b_dec {decoderBias} has the wrong size.");
        if (architecture == SaeArchitecture.JumpRelu && logThreshold?.Length != width)
            throw new ArgumentException("A JumpReLU dictionary needs one threshold per feature.");
        if (architecture == SaeArchitecture.TopK && (k < 1 || k > width))
            throw new ArgumentException($"TopK needs 1 ≤ k ≤ {width}; got {k}.");
        Architecture = architecture;
        EncoderWeight = encoderWeight;
        EncoderBias = encoderBias;
        DecoderWeight = decoderWeight;
        DecoderBias = decoderBias;
        LogThreshold = architecture == SaeArchitecture.JumpRelu ? logThreshold : null;
        K = k;
        Info = info ?? new DictionaryInfo(architecture.CliName(), Site.ResidPost(0), Site.ResidPost(0), "trained");
        if (dIn != dOut && !Info.IsTranscoder)
            throw new ArgumentException($"An SAE reads and writes the same width; d_in {dIn} ≠ d_out {dOut}.");
    }

    public SaeArchitecture Architecture { get; }

    /// <summary>Active features per row (TopK only).</summary>
    public int K { get; }

    public DictionaryInfo Info { get; }

    public Tensor EncoderWeight { get; }

    public Tensor EncoderBias { get; }

    public Tensor DecoderWeight { get; }

    public Tensor DecoderBias { get; }

    /// <summary>log θ [F] (JumpReLU only).</summary>
    public Tensor? LogThreshold { get; }

    public int InputDim => EncoderWeight.Dim(0);

    public int OutputDim => DecoderWeight.Dim(1);

    public int Width => EncoderWeight.Dim(1);

    /// <summary>SAELens's apply_b_dec_to_input: an SAE centres its input on b_dec; a transcoder cannot.</summary>
    public bool SubtractsDecoderBiasFromInput => !Info.IsTranscoder;

    /// <summary>θ = exp(log θ), [F] (JumpReLU only).</summary>
    public Tensor Threshold()
    {
        var log = LogThreshold ?? throw new InvalidOperationException("Only JumpReLU dictionaries have thresholds.");
        var t = Tensor.Empty(Width);
        System.Numerics.Tensors.TensorPrimitives.Exp(log.Span, t.Span);
        return t;
    }

    /// <summary>The trainable tensors, in a fixed order.</summary>
    public IReadOnlyList<Tensor> Parameters => LogThreshold is null
        ? [EncoderWeight, EncoderBias, DecoderWeight, DecoderBias]
        : [EncoderWeight, EncoderBias, DecoderWeight, DecoderBias, LogThreshold];

    /// <summary>pre-activations [.., F], differentiable in the input and the parameters.</summary>
    public Tensor PreActivations(Tensor x)
    {
        if (x.Columns != InputDim) throw new ArgumentException($"Input {x} does not end in d_in = {InputDim}.");
        var centred = SubtractsDecoderBiasFromInput ? Elementwise.Sub(x, DecoderBias) : x;
        return MatMul.Linear(centred, EncoderWeight, EncoderBias, weightIsInOut: true);
    }

    /// <summary>Features [.., F] as the trained dictionary computes them (no threshold gradient; see
    /// <see cref="SaeObjective"/> for the training forms).</summary>
    public Tensor Encode(Tensor x)
    {
        var pre = PreActivations(x);
        return Architecture switch
        {
            SaeArchitecture.Relu => Activations.Relu(pre),
            SaeArchitecture.TopK => Activations.TopK(Activations.Relu(pre), K),
            _ => Activations.JumpRelu(Activations.Relu(pre), Threshold()),
        };
    }

    /// <summary>x̂ = f·W_dec + b_dec, differentiable in f and the parameters.</summary>
    public Tensor Decode(Tensor features)
    {
        if (features.Columns != Width) throw new ArgumentException($"Features {features} do not end in F = {Width}.");
        return MatMul.Linear(features, DecoderWeight, DecoderBias, weightIsInOut: true);
    }

    /// <summary>The inference dictionary over these very tensors (no copy: it changes as training updates them).</summary>
    public SparseAutoencoder ToView() => Build(EncoderWeight, EncoderBias, DecoderWeight, DecoderBias);

    /// <summary>
    /// The inference dictionary with these weights (copies, so further training does not change it): a
    /// <see cref="ReluSae"/>, <see cref="TopKSae"/> or <see cref="JumpReluSae"/>, which the SAELens writer saves.
    /// </summary>
    public SparseAutoencoder ToDictionary() => Build(EncoderWeight.Clone(), EncoderBias.Clone(), DecoderWeight.Clone(), DecoderBias.Clone());

    private SparseAutoencoder Build(Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec)
    {
        var weights = SaeWeights.SaeLens(wEnc, bEnc, wDec, bDec, applyDecoderBiasToInput: SubtractsDecoderBiasFromInput);
        var info = Info with { Kind = Architecture switch
        {
            SaeArchitecture.Relu => ReluSae.KindName,
            SaeArchitecture.TopK => TopKSae.KindName,
            _ => JumpReluSae.KindName,
        } };
        return Architecture switch
        {
            SaeArchitecture.Relu => new ReluSae(info, weights),
            SaeArchitecture.TopK => new TopKSae(info, weights, K),
            _ => new JumpReluSae(info, weights, Threshold()),
        };
    }

    /// <summary>
    /// The same dictionary for activations in other units: trained on x' = s_in·x (targets y' = s_out·y), the result
    /// reads raw x and reconstructs raw y, with features divided by s_out. W_dec keeps its unit-norm rows; W_enc is
    /// multiplied by s_in/s_out, b_enc, b_dec and θ are divided by s_out (TopK's choice is unchanged by a common scale).
    /// </summary>
    public TrainableSae Unscaled(float inputScale, float outputScale)
    {
        var wEnc = EncoderWeight.Clone();
        System.Numerics.Tensors.TensorPrimitives.Multiply(wEnc.Span, inputScale / outputScale, wEnc.Span);
        var bEnc = EncoderBias.Clone();
        System.Numerics.Tensors.TensorPrimitives.Divide(bEnc.Span, outputScale, bEnc.Span);
        var bDec = DecoderBias.Clone();
        System.Numerics.Tensors.TensorPrimitives.Divide(bDec.Span, outputScale, bDec.Span);
        Tensor? logTheta = null;
        if (LogThreshold is not null)
        {
            logTheta = LogThreshold.Clone();
            System.Numerics.Tensors.TensorPrimitives.Subtract(logTheta.Span, MathF.Log(outputScale), logTheta.Span);
        }
        return new TrainableSae(Architecture, wEnc, bEnc, DecoderWeight.Clone(), bDec, logTheta, K, Info);
    }
}
