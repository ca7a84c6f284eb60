using System.Buffers;
using System.Numerics.Tensors;
using Tensor = SparseCircuits.Tensors.Tensor;
using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Blas;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// What every SAE architecture shares: an affine encoder on the (optionally centred) input, an architecture-specific
/// activation, and an affine decoder x̂ = f·W_dec + b_dec (+ x_in·W_skipᵀ for a skip transcoder). Subclasses give the
/// activation twice: densely as a differentiable tensor op (<see cref="Activate"/>), and row by row as a sparse selection
/// (<see cref="SelectActive"/>) used by <see cref="EncodeSparse"/>, which runs one GEMM per block of rows and keeps only
/// the active features.
/// <para>A transcoder is the same object with different input and output sites (<see cref="DictionaryInfo"/>):
/// d_in may differ from d_out, and SAELens transcoders never centre their input.</para>
/// </summary>
public abstract class SparseAutoencoder : IFeatureDictionary
{
    /// <summary>Pre-activations per GEMM block in <see cref="EncodeSparse"/> (16 MB of floats), so memory stays bounded
    /// however many rows are encoded.</summary>
    private const int EncodeBlockFloats = 1 << 22;

    private readonly Lazy<Tensor> encoderRows;

    protected SparseAutoencoder(DictionaryInfo info, SaeWeights weights)
    {
        weights.Validate();
        Info = info;
        Weights = weights;
        encoderRows = new Lazy<Tensor>(() => weights.EncoderIsInOut ? LazyTranspose.Of(weights.EncoderWeight) : weights.EncoderWeight);
    }

    public DictionaryInfo Info { get; }

    /// <summary>The encoder and decoder tensors, in their file layout.</summary>
    public SaeWeights Weights { get; }

    public int InputDim => Weights.InputDim;

    public int OutputDim => Weights.OutputDim;

    public int Width => Weights.Width;

    public Tensor DecoderWeight => Weights.DecoderWeight;

    public Tensor DecoderBias => Weights.DecoderBias;

    /// <summary>The encoder's feature directions as rows [F, d_in] (row j multiplies the centred input to give feature
    /// j's encoder product); the stored tensor when the file keeps that layout, else its lazy transpose.</summary>
    public Tensor EncoderRows => encoderRows.Value;

    /// <summary>
    /// ∂f_j/∂p_j at a point where feature j is active, with p_j = (x − c)·W_enc[j] the encoder product: 1 for ReLU,
    /// JumpReLU and TopK; a gated SAE scales its magnitude path. With it, ∂f_j/∂x = slope·W_enc[j] for every active j
    /// (inactive features have zero derivative), which is how edges differentiate through the encoder sparsely.
    /// </summary>
    public virtual float ActiveSlope(int feature) => 1f;

    /// <summary>
    /// Gives back the memory the weights occupy while in use: the pages of memory-mapped weights
    /// (<see cref="ResidentMemory"/>) and the copies lazy transposes made (<see cref="LazyTranspose"/>). Nothing changes
    /// for callers (the next read brings them back, from the page cache, without a disk read), so a pipeline that works
    /// through sites one after the other holds only the current ones. Only for weights nobody writes to.
    /// </summary>
    public void ReleaseResidentMemory()
    {
        var tensors = new List<Tensor> { Weights.EncoderWeight, Weights.DecoderWeight };
        if (encoderRows.IsValueCreated) tensors.Add(encoderRows.Value);
        foreach (var t in tensors)
        {
            ResidentMemory.Release(t);
            if (LazyTranspose.SourceOf(t) is { } stored)
            {
                LazyTranspose.Release(t);
                ResidentMemory.Release(stored);
            }
        }
    }

    /// <summary>The most features one row can have active (F; k for TopK).</summary>
    protected virtual int MaxActive => Width;

    /// <summary>Encoder pre-activations (x − c)·W_enc + b_enc, [.., F], differentiable in x and the weights.</summary>
    public Tensor PreActivations(Tensor x)
    {
        CheckInput(x);
        var centred = Weights.InputCentering is { } c ? Elementwise.Sub(x, c) : x;
        return MatMul.Linear(centred, Weights.EncoderWeight, Weights.EncoderBias, Weights.EncoderIsInOut);
    }

    public Tensor Encode(Tensor x) => Activate(PreActivations(x));

    /// <summary>The activation on dense pre-activations [.., F], as a differentiable tensor op.</summary>
    protected abstract Tensor Activate(Tensor preActivations);

    /// <summary>The active features of one row of pre-activations (indices ascending); returns their count. Must
    /// agree with <see cref="Activate"/> element for element.</summary>
    protected abstract int SelectActive(ReadOnlySpan<float> preActivations, Span<int> indices, Span<float> values);

    public SparseCodes EncodeSparse(Tensor x)
    {
        CheckInput(x);
        int n = x.Rows, f = Width, d = InputDim;
        var builder = new SparseCodesBuilder(n, f);
        int block = Math.Max(1, Math.Min(n, EncodeBlockFloats / Math.Max(1, f)));
        var pre = ArrayPool<float>.Shared.Rent(block * f);
        var centred = Weights.InputCentering is null ? null : ArrayPool<float>.Shared.Rent(block * d);
        try
        {
            var xs = x.Read();
            var bias = Weights.EncoderBias is { } b ? b.Read() : default;
            for (int start = 0; start < n; start += block)
            {
                int rows = Math.Min(block, n - start);
                ReadOnlySpan<float> input = xs.Slice(start * d, rows * d);
                if (centred is not null)
                {
                    var c = Weights.InputCentering!.Read();
                    for (int r = 0; r < rows; r++) TensorPrimitives.Subtract(input.Slice(r * d, d), c, centred.AsSpan(r * d, d));
                    input = centred.AsSpan(0, rows * d);
                }
                var output = pre.AsSpan(0, rows * f);
                if (!bias.IsEmpty)
                    for (int r = 0; r < rows; r++) bias.CopyTo(output.Slice(r * f, f));
                Gemm.Sgemm(false, !Weights.EncoderIsInOut, rows, f, d, 1f, input, Weights.EncoderWeight.Read(), bias.IsEmpty ? 0f : 1f, output);
                builder.AppendRows(pre, 0, rows, MaxActive, SelectActive);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(pre);
            if (centred is not null) ArrayPool<float>.Shared.Return(centred);
        }
        return builder.Build();
    }

    public Tensor Decode(Tensor features, Tensor? input = null)
    {
        if (features.Columns != Width) throw new ArgumentException($"Features {features} do not end in the dictionary's {Width} features.");
        var y = MatMul.Linear(features, Weights.DecoderWeight, Weights.DecoderBias, weightIsInOut: true);
        if (Weights.SkipWeight is not { } skip) return y;
        var x = RequireSkipInput(input, features.Rows);
        return Elementwise.Add(y, MatMul.Linear(x, skip));
    }

    public Tensor DecodeSparse(SparseCodes features, Tensor? input = null)
    {
        if (features.Width != Width) throw new ArgumentException($"Sparse codes of width {features.Width} for a dictionary of {Width} features.");
        int n = features.Rows, d = OutputDim;
        Tensor y;
        if (Weights.SkipWeight is { } skip)
        {
            using var _ = Tape.NoGrad();
            y = MatMul.Linear(RequireSkipInput(input, n).View(n, InputDim), skip, Weights.DecoderBias);
        }
        else
        {
            y = Tensor.Empty(n, d);
            var b = Weights.DecoderBias.Read();
            for (int r = 0; r < n; r++) b.CopyTo(y.Span.Slice(r * d, d));
        }
        SparseDecoding.AddRowsAuto(features, Weights.DecoderWeight, y);
        return y;
    }

    private void CheckInput(Tensor x)
    {
        if (x.Columns != InputDim)
            throw new ArgumentException($"Input {x} does not end in the dictionary's d_in = {InputDim} ({Info.Source}).");
    }

    private Tensor RequireSkipInput(Tensor? input, int rows)
    {
        if (input is null) throw new ArgumentException($"This transcoder has a skip connection: decoding needs its input ({Info.Source}).");
        if (input.Columns != InputDim || input.Rows != rows)
            throw new ArgumentException($"Skip input {input} must have {rows} rows of d_in = {InputDim}.");
        return input;
    }
}
