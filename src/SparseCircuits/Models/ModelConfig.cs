using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Models;

/// <summary>The transformer families SparseCircuits runs.</summary>
public enum Architecture
{
    /// <summary>GPT-2: learned positions, LayerNorm, GELU (tanh), sequential blocks, tied unembedding.</summary>
    Gpt2,

    /// <summary>GPT-NeoX / Pythia: partial rotary, LayerNorm, GELU (erf), parallel attention and MLP, untied unembedding.</summary>
    GptNeoX,

    /// <summary>Llama: RMSNorm, rotary, SwiGLU, grouped KV heads.</summary>
    Llama,
}

/// <summary>Everything the forward pass needs to know about a model's shape and variant.</summary>
public sealed record ModelConfig
{
    public required Architecture Architecture { get; init; }
    public required int DModel { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int DMlp { get; init; }
    public required int VocabSize { get; init; }
    public required int MaxPositions { get; init; }
    public required float NormEpsilon { get; init; }

    /// <summary>Hugging Face activation name ("gelu_new", "gelu", "silu", ...).</summary>
    public required string Activation { get; init; }

    /// <summary>Attention and MLP both read the block input (GPT-NeoX's use_parallel_residual).</summary>
    public bool ParallelResidual { get; init; }

    /// <summary>Number of leading dimensions of each head that are rotated (0: learned positions instead).</summary>
    public int RotaryDim { get; init; }

    public double RotaryBase { get; init; } = 10000;

    public RotaryStyle RotaryStyle { get; init; } = RotaryStyle.RotateHalf;

    public bool TiedEmbeddings { get; init; }

    public int? BosTokenId { get; init; }

    public int? EosTokenId { get; init; }

    /// <summary>Where the model came from (folder or file), for messages and circuit files.</summary>
    public string Source { get; init; } = "";

    /// <summary>TransformerLens-style weight processing applied after loading (<see cref="WeightProcessing"/>).</summary>
    public WeightProcessingOptions Processing { get; init; } = WeightProcessingOptions.None;

    public bool UsesRmsNorm => Architecture == Architecture.Llama;

    public bool GatedMlp => Architecture == Architecture.Llama;

    public bool LearnedPositions => Architecture == Architecture.Gpt2;
}
