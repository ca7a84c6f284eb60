namespace SparseCircuits.Models.Training;

/// <summary>
/// The size of a GPT-2 to train from scratch: learned positions, LayerNorm (ε 1e-5), gelu_new, sequential blocks,
/// unembedding tied to the token embedding. The MLP is 4·d_model wide unless given.
/// </summary>
public sealed record Gpt2Shape(int Layers, int DModel, int Heads, int Context, int? DMlp = null)
{
    /// <summary>The model config for a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    /// <exception cref="SfcInputException">A size that is not positive, or heads that do not divide d_model.</exception>
    public ModelConfig ToConfig(int vocabSize, string source = "")
    {
        Validate();
        if (vocabSize < 2) throw new SfcInputException($"vocabulary: need at least 2 tokens, got {vocabSize}");
        return new ModelConfig
        {
            Architecture = Architecture.Gpt2,
            DModel = DModel,
            Layers = Layers,
            Heads = Heads,
            KvHeads = Heads,
            HeadDim = DModel / Heads,
            DMlp = DMlp ?? 4 * DModel,
            VocabSize = vocabSize,
            MaxPositions = Context,
            NormEpsilon = 1e-5f,
            Activation = "gelu_new",
            TiedEmbeddings = true,
            Source = source,
        };
    }

    public Gpt2Shape Validate()
    {
        if (Layers < 1) throw new SfcInputException($"--layers: must be at least 1, got {Layers}");
        if (DModel < 1) throw new SfcInputException($"--d-model: must be positive, got {DModel}");
        if (Heads < 1 || DModel % Heads != 0) throw new SfcInputException($"--heads: {Heads} does not divide --d-model {DModel}");
        if (Context < 2) throw new SfcInputException($"--context: must be at least 2, got {Context}");
        if (DMlp is < 1) throw new SfcInputException($"--d-mlp: must be positive, got {DMlp}");
        return this;
    }
}
