namespace SparseCircuits.Datasets.Agreement;

/// <summary>
/// One paired example in the paper's format. Answers carry a leading space (" is"); <see cref="Case"/> names the
/// numbers in the clean prompt, main noun first ("plural_singular").
/// </summary>
public sealed record AgreementExample(
    string CleanPrefix,
    string PatchPrefix,
    string CleanAnswer,
    string PatchAnswer,
    string Case);
