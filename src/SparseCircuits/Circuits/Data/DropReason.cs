namespace SparseCircuits.Circuits.Data;

/// <summary>Why the loader passed over an example (counted in <see cref="LoadReport"/>).</summary>
internal enum DropReason
{
    MultiTokenAnswer,
    PrefixLengthMismatch,
    InconsistentTokenization,
    WrongLength,
}
