using SparseCircuits.Models.Tokenizers.Normalization;

namespace SparseCircuits.Tests.Tokenizers;

/// <summary>Our NFC/NFD against ICU's (node's String.prototype.normalize, normalization.golden.json).</summary>
public class UnicodeNormalizationTests
{
    [Fact]
    public void Nfc_and_nfd_match_icu_for_every_decomposable_character_and_the_mixed_texts()
    {
        var cases = GoldenFile.ReadNormalization().Values.ToList();
        Assert.True(cases.Count > 2000, $"only {cases.Count} cases");
        var failures = cases
            .Where(c => CanonicalNormalizer.Nfc.Normalize(c.Text) != c.Nfc || CanonicalNormalizer.Nfd.Normalize(c.Text) != c.Nfd)
            .Select(c => string.Join(' ', c.Text.EnumerateRunes().Select(r => r.Value.ToString("X4"))))
            .Take(10).ToList();
        Assert.True(failures.Count == 0, "differs from ICU on: " + string.Join(" | ", failures));
    }

    [Fact]
    public void Normalizing_piecewise_at_stable_boundaries_gives_the_whole_text_normalization()
    {
        // AlignedText cuts text at stable boundaries to align it; the cut pieces must normalize to the same text.
        foreach (var c in GoldenFile.ReadNormalization().Values)
        {
            foreach (var normalizer in new[] { CanonicalNormalizer.Nfc, CanonicalNormalizer.Nfd })
            {
                var pieces = new List<string>();
                int start = 0;
                for (int i = 0; i < c.Text.Length; i += char.IsSurrogatePair(c.Text, i) ? 2 : 1)
                {
                    if (i > start && normalizer.IsStableBoundary(System.Text.Rune.GetRuneAt(c.Text, i)))
                    {
                        pieces.Add(c.Text[start..i]);
                        start = i;
                    }
                }
                pieces.Add(c.Text[start..]);
                Assert.Equal(normalizer == CanonicalNormalizer.Nfc ? c.Nfc : c.Nfd, string.Concat(pieces.Select(normalizer.Normalize)));
            }

            var aligned = AlignedText.Normalize(c.Text, 0, CanonicalNormalizer.Nfc);
            Assert.Equal(c.Nfc, aligned.Text);
            int previous = 0;
            for (int i = 0; i <= aligned.Text.Length; i++)
            {
                int original = aligned.OriginalIndex(i);
                Assert.True(original >= previous && original <= c.Text.Length);
                previous = original;
            }
            Assert.Equal(c.Text.Length, aligned.OriginalIndex(aligned.Text.Length));
        }
    }

    [Fact]
    public void Ascii_and_latin1_text_is_returned_unchanged_by_nfc()
    {
        const string text = "plain ASCII, and Latin-1: café ñ ü ß";
        Assert.Same(text, CanonicalNormalizer.Nfc.Normalize(text));
    }
}
