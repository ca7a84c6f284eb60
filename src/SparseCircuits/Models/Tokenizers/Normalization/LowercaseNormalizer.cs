using System.Text;

namespace SparseCircuits.Models.Tokenizers.Normalization;

/// <summary>
/// The "Lowercase" normalizer, with Unicode simple case mapping (one character to one); the Rust tokenizers use
/// full mapping, which differs only for a few characters such as U+0130 and a word-final capital sigma.
/// </summary>
internal sealed class LowercaseNormalizer : ITextNormalizer
{
    public static LowercaseNormalizer Instance { get; } = new();

    public string Normalize(string text) => text.ToLowerInvariant();

    public bool IsStableBoundary(Rune rune) => true;
}
