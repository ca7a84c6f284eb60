using System.Collections.Frozen;
using System.Globalization;

namespace SparseCircuits.Models.Tokenizers.Normalization;

/// <summary>
/// The Unicode facts canonical normalization needs, parsed once from <see cref="UnicodeNormalizationData"/>:
/// combining classes, full canonical decompositions and the primary composites (Hangul is algorithmic).
/// </summary>
internal sealed class UnicodeNormalizationTables
{
    private const int HangulSBase = 0xAC00, HangulLBase = 0x1100, HangulVBase = 0x1161, HangulTBase = 0x11A7;
    private const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    public static UnicodeNormalizationTables Instance { get; } = new();

    private readonly FrozenDictionary<int, byte> _combiningClass;
    private readonly FrozenDictionary<int, int[]> _fullDecomposition;
    private readonly FrozenDictionary<long, int> _composition;
    private readonly FrozenSet<int> _compositionSeconds;

    private UnicodeNormalizationTables()
    {
        var ccc = new Dictionary<int, byte>();
        foreach (var (first, last, value) in ParseRanges(UnicodeNormalizationData.CombiningClasses, withValue: true))
            for (int cp = first; cp <= last; cp++) ccc[cp] = (byte)value;
        _combiningClass = ccc.ToFrozenDictionary();

        var oneLevel = new Dictionary<int, int[]>();
        foreach (var entry in UnicodeNormalizationData.CanonicalDecompositions.Split(','))
        {
            int colon = entry.IndexOf(':');
            int cp = ParseHex(entry.AsSpan(0, colon));
            oneLevel[cp] = entry[(colon + 1)..].Split(' ').Select(s => ParseHex(s)).ToArray();
        }

        var excluded = new HashSet<int>();
        foreach (var (first, last, _) in ParseRanges(UnicodeNormalizationData.CompositionExclusions, withValue: false))
            for (int cp = first; cp <= last; cp++) excluded.Add(cp);

        var full = new Dictionary<int, int[]>();
        var composition = new Dictionary<long, int>();
        var seconds = new HashSet<int>();
        foreach (var (cp, parts) in oneLevel)
        {
            full[cp] = Expand(cp, oneLevel).ToArray();
            if (parts.Length == 2 && !excluded.Contains(cp))
            {
                composition[PairKey(parts[0], parts[1])] = cp;
                seconds.Add(parts[1]);
            }
        }
        _fullDecomposition = full.ToFrozenDictionary();
        _composition = composition.ToFrozenDictionary(PairKeyComparer.Instance);
        _compositionSeconds = seconds.ToFrozenSet();
    }

    public int CombiningClass(int codePoint) =>
        codePoint < 0x300 ? 0 : _combiningClass.TryGetValue(codePoint, out var c) ? c : 0;

    /// <summary>Appends the full canonical decomposition of <paramref name="codePoint"/> (itself when it has none).</summary>
    public void AppendDecomposition(int codePoint, List<int> output)
    {
        if (codePoint is >= HangulSBase and < HangulSBase + HangulSCount)
        {
            int s = codePoint - HangulSBase;
            output.Add(HangulLBase + s / HangulNCount);
            output.Add(HangulVBase + s % HangulNCount / HangulTCount);
            if (s % HangulTCount != 0) output.Add(HangulTBase + s % HangulTCount);
        }
        else if (codePoint >= 0xC0 && _fullDecomposition.TryGetValue(codePoint, out var parts)) output.AddRange(parts);
        else output.Add(codePoint);
    }

    /// <summary>The primary composite of a starter and a following character, or -1.</summary>
    public int Compose(int starter, int next)
    {
        if (starter is >= HangulLBase and < HangulLBase + HangulLCount && next is >= HangulVBase and < HangulVBase + HangulVCount)
            return HangulSBase + ((starter - HangulLBase) * HangulVCount + next - HangulVBase) * HangulTCount;
        if (starter is >= HangulSBase and < HangulSBase + HangulSCount && (starter - HangulSBase) % HangulTCount == 0
            && next is > HangulTBase and < HangulTBase + HangulTCount)
            return starter + next - HangulTBase;
        return _composition.TryGetValue(PairKey(starter, next), out var c) ? c : -1;
    }

    /// <summary>
    /// True when normalizing text in pieces split before <paramref name="codePoint"/> gives the same result as
    /// normalizing it whole: the character and its decomposition start with a starter that never composes
    /// with what precedes it.
    /// </summary>
    public bool IsStableBoundary(int codePoint)
    {
        if (codePoint < 0x300) return true;
        if (CombiningClass(codePoint) != 0 || IsCompositionSecond(codePoint)) return false;
        if (!_fullDecomposition.TryGetValue(codePoint, out var parts)) return true;
        return CombiningClass(parts[0]) == 0 && !IsCompositionSecond(parts[0]);
    }

    private bool IsCompositionSecond(int codePoint) =>
        codePoint is >= HangulVBase and < HangulVBase + HangulVCount or > HangulTBase and < HangulTBase + HangulTCount
        || _compositionSeconds.Contains(codePoint);

    private static IEnumerable<int> Expand(int codePoint, Dictionary<int, int[]> oneLevel) =>
        oneLevel.TryGetValue(codePoint, out var parts) ? parts.SelectMany(p => Expand(p, oneLevel)) : [codePoint];

    private static long PairKey(int first, int second) => PairKeyComparer.Pack(first, second);

    private static int ParseHex(ReadOnlySpan<char> hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static IEnumerable<(int First, int Last, int Value)> ParseRanges(string text, bool withValue)
    {
        foreach (var entry in text.Split(','))
        {
            var span = entry.AsSpan();
            int value = 0;
            if (withValue)
            {
                int colon = span.IndexOf(':');
                value = int.Parse(span[(colon + 1)..], CultureInfo.InvariantCulture);
                span = span[..colon];
            }
            int dash = span.IndexOf('-');
            yield return dash < 0
                ? (ParseHex(span), ParseHex(span), value)
                : (ParseHex(span[..dash]), ParseHex(span[(dash + 1)..]), value);
        }
    }
}
