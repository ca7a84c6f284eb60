namespace SparseCircuits.Datasets.Agreement;

/// <summary>A task's train set (for circuit discovery) and test set (for evaluation).</summary>
public sealed record AgreementTaskSet(AgreementTask Task, IReadOnlyList<AgreementExample> Train, IReadOnlyList<AgreementExample> Test);
