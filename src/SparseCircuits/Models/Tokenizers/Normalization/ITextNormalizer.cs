using System.Text;

namespace SparseCircuits.Models.Tokenizers.Normalization;

/// <summary>A text normalizer of a tokenizer pipeline (the "normalizer" of a Hugging Face tokenizer.json).</summary>
internal interface ITextNormalizer
{
    string Normalize(string text);

    /// <summary>
    /// True when cutting the text before <paramref name="rune"/> and normalizing the pieces separately gives the
    /// same text as normalizing it whole; used to align normalized characters with the original ones.
    /// </summary>
    bool IsStableBoundary(Rune rune);
}
