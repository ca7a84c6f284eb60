namespace SparseCircuits.Dictionaries.Training;

/// <summary>Where a dictionary's training activations came from, for its cfg.json.</summary>
/// <param name="Model">The model path or name (cfg.json <c>model_name</c>).</param>
/// <param name="Corpus">The corpus files, in order (cfg.json <c>dataset_path</c>, joined with ';').</param>
/// <param name="ContextSize">Tokens per context.</param>
/// <param name="PrependBos">Whether text documents were encoded after BOS.</param>
/// <param name="BufferRows">Rows in the shuffle buffer.</param>
/// <param name="GeneratedSequences">Sequences the model sampled itself and added to the corpus (0: none).</param>
public sealed record TrainingProvenance(
    string Model,
    IReadOnlyList<string> Corpus,
    int ContextSize,
    bool PrependBos = true,
    int BufferRows = 0,
    int GeneratedSequences = 0);
