using System.Text;

namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// Finds added tokens in text the way the Rust tokenizers do: leftmost match first, the longest one at that
/// position, never overlapping; single_word, lstrip and rstrip applied to each match.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public AddedToken? Token; // a token ends here
    }

    private readonly Node _root = new();

    /// <summary>A piece of the split text: an added token, or plain text (<see cref="Token"/> null).</summary>
    public readonly record struct Segment(AddedToken? Token, int Start, int Length);

    /// <param name="tokens">Tokens with the text to look for (normalized already when they match normalized text).</param>
    public AddedTokenMatcher(IEnumerable<(AddedToken Token, string Pattern)> tokens)
    {
        foreach (var (token, pattern) in tokens)
        {
            if (pattern.Length == 0) continue;
            var node = _root;
            foreach (char c in pattern)
            {
                node.Children ??= new Dictionary<char, Node>();
                if (!node.Children.TryGetValue(c, out var child)) node.Children[c] = child = new Node();
                node = child;
            }
            node.Token ??= token;
            IsEmpty = false;
        }
    }

    public bool IsEmpty { get; } = true;

    /// <summary>Splits <paramref name="text"/> into added tokens and the plain text between them.</summary>
    public void Split(string text, List<Segment> output)
    {
        output.Clear();
        if (IsEmpty)
        {
            if (text.Length > 0) output.Add(new Segment(null, 0, text.Length));
            return;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.Length)
        {
            var (token, end) = LongestAt(text, i);
            if (token is null)
            {
                i++;
                continue;
            }
            int start = i;
            i = end; // a discarded match is still consumed, as in a non-overlapping scan
            if (token.SingleWord && (start > 0 && IsWordChar(text, start - 1, before: true) || end < text.Length && IsWordChar(text, end, before: false)))
                continue;
            if (token.LStrip)
                while (start > plainStart && Rune.IsWhiteSpace(RuneBefore(text, start, out int w))) start -= w;
            if (token.RStrip)
                while (end < text.Length && Rune.IsWhiteSpace(RuneAt(text, end, out int w))) end += w;
            if (start > plainStart) output.Add(new Segment(null, plainStart, start - plainStart));
            output.Add(new Segment(token, start, end - start));
            plainStart = i = end;
        }
        if (plainStart < text.Length) output.Add(new Segment(null, plainStart, text.Length - plainStart));
    }

    private (AddedToken? Token, int End) LongestAt(string text, int start)
    {
        AddedToken? found = null;
        int end = start;
        var node = _root;
        for (int j = start; j < text.Length; j++)
        {
            if (node.Children is null || !node.Children.TryGetValue(text[j], out node)) break;
            if (node.Token is not null)
            {
                found = node.Token;
                end = j + 1;
            }
        }
        return (found, end);
    }

    private static bool IsWordChar(string text, int index, bool before)
    {
        var rune = before ? RuneBefore(text, index + 1, out _) : RuneAt(text, index, out _);
        return UnicodeClasses.IsWordChar(rune);
    }

    private static Rune RuneAt(string text, int index, out int width)
    {
        Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out width);
        return rune;
    }

    private static Rune RuneBefore(string text, int end, out int width)
    {
        Rune.DecodeLastFromUtf16(text.AsSpan(0, end), out var rune, out width);
        return rune;
    }
}
