using System.Text;

namespace SparseCircuits.Models.Tokenizers.Normalization;

/// <summary>Normalizers applied one after the other (a "Sequence" normalizer).</summary>
internal sealed class SequenceNormalizer(IReadOnlyList<ITextNormalizer> steps) : ITextNormalizer
{
    public string Normalize(string text)
    {
        foreach (var step in steps) text = step.Normalize(text);
        return text;
    }

    public bool IsStableBoundary(Rune rune) => steps.All(s => s.IsStableBoundary(rune));
}
