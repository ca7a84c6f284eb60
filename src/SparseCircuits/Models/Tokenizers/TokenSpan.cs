namespace SparseCircuits.Models.Tokenizers;

/// <summary>A token and the UTF-16 span of the input text it came from.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Start">First character in the input.</param>
/// <param name="Length">Number of characters; 0 for a BOS token or a token that adds no whole character.</param>
public readonly record struct TokenSpan(int Id, int Start, int Length);
