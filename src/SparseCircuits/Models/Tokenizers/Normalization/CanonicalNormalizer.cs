using System.Text;

namespace SparseCircuits.Models.Tokenizers.Normalization;

/// <summary>
/// Unicode canonical normalization, NFD (decompose and order marks) or NFC (then recompose), on our own tables:
/// .NET's string.Normalize is a no-op under InvariantGlobalization.
/// </summary>
internal sealed class CanonicalNormalizer : ITextNormalizer
{
    public static CanonicalNormalizer Nfc { get; } = new(compose: true);
    public static CanonicalNormalizer Nfd { get; } = new(compose: false);

    private readonly bool _compose;
    private readonly UnicodeNormalizationTables _tables = UnicodeNormalizationTables.Instance;

    private CanonicalNormalizer(bool compose) => _compose = compose;

    public bool IsStableBoundary(Rune rune) => _tables.IsStableBoundary(rune.Value);

    public string Normalize(string text)
    {
        // Below U+0300 nothing reorders or composes; NFC leaves such text as it is, NFD only splits Latin-1 letters.
        int firstSuspect = 0;
        int limit = _compose ? 0x300 : 0xC0;
        while (firstSuspect < text.Length && text[firstSuspect] < limit) firstSuspect++;
        if (firstSuspect == text.Length) return text;
        if (firstSuspect > 0) firstSuspect--; // the starter before may compose with what follows

        var codePoints = new List<int>(text.Length + 8);
        foreach (var rune in text.AsSpan(firstSuspect).EnumerateRunes()) _tables.AppendDecomposition(rune.Value, codePoints);
        SortMarks(codePoints);
        if (_compose) Recompose(codePoints);

        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, firstSuspect);
        foreach (int cp in codePoints) sb.Append(new Rune(cp).ToString());
        return sb.ToString();
    }

    /// <summary>Canonical ordering: a stable sort by combining class of every run of non-starters.</summary>
    private void SortMarks(List<int> codePoints)
    {
        for (int i = 1; i < codePoints.Count; i++)
        {
            int ccc = _tables.CombiningClass(codePoints[i]);
            if (ccc == 0) continue;
            int cp = codePoints[i];
            int j = i - 1;
            while (j >= 0 && _tables.CombiningClass(codePoints[j]) > ccc)
            {
                codePoints[j + 1] = codePoints[j];
                j--;
            }
            codePoints[j + 1] = cp;
        }
    }

    /// <summary>Canonical composition: each character joins the last starter unless a mark between blocks it.</summary>
    private void Recompose(List<int> codePoints)
    {
        int starter = -1; // index in the output of the last starter
        int lastClass = -1; // combining class of the last character kept after that starter; -1: none
        int kept = 0;
        for (int i = 0; i < codePoints.Count; i++)
        {
            int cp = codePoints[i];
            int ccc = _tables.CombiningClass(cp);
            bool blocked = lastClass != -1 && (lastClass >= ccc || ccc == 0);
            if (starter >= 0 && !blocked)
            {
                int composite = _tables.Compose(codePoints[starter], cp);
                if (composite >= 0)
                {
                    codePoints[starter] = composite;
                    continue;
                }
            }
            if (ccc == 0)
            {
                starter = kept;
                lastClass = -1;
            }
            else lastClass = ccc;
            codePoints[kept++] = cp;
        }
        codePoints.RemoveRange(kept, codePoints.Count - kept);
    }
}
