using SparseCircuits.Models.Tokenizers;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>Properties every tokenizer's offsets must have.</summary>
public static class SpanChecks
{
    /// <summary>Spans in order, not overlapping, inside the text; with <paramref name="contiguous"/> they tile it exactly.</summary>
    public static void AssertWellFormed(string text, IReadOnlyList<TokenSpan> spans, bool contiguous)
    {
        int position = 0;
        foreach (var s in spans)
        {
            Assert.True(s.Length >= 0 && s.Start + s.Length <= text.Length, $"span {s} outside a text of {text.Length} chars");
            if (contiguous) Assert.Equal(position, s.Start);
            else Assert.True(s.Start >= position, $"span {s} overlaps the one before (which ended at {position})");
            position = s.Start + s.Length;
        }
        if (contiguous) Assert.Equal(text.Length, position);
    }
}
