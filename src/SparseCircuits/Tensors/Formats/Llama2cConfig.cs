namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// The header of a llama2.c checkpoint. <paramref name="VocabSize"/> is always positive here (the legacy format's
/// sign is turned into <paramref name="SharedClassifier"/>). <paramref name="Version"/> is 0 for the legacy
/// header-less format and 1 for the "ak42" format.
/// </summary>
public sealed record Llama2cConfig(
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int SeqLen,
    bool SharedClassifier,
    int Version)
{
    public int HeadSize => Dim / Heads;

    /// <summary>Width of the key and value projections (grouped-query attention shares them across heads).</summary>
    public int KvDim => Dim * KvHeads / Heads;
}
