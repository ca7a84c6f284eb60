using SparseCircuits.Models.Tokenizers;

namespace SparseCircuits.Models.Training;

/// <summary>
/// Training text as one token stream whose rows start at the beginning of a line: a row is the tokens of a line and
/// of the lines after it, cut at the context length. Every row thus opens as a sentence does, so position 0 always
/// holds a sentence-initial word (as the agreement prompts do), while later positions see sentences in context.
/// </summary>
public sealed class LineAlignedCorpus
{
    private readonly int[] _stream;
    private readonly int[] _lineStarts;

    /// <param name="lines">Each line's token ids, in order (empty lines are skipped).</param>
    public LineAlignedCorpus(IEnumerable<int[]> lines)
    {
        var stream = new List<int>();
        var starts = new List<int>();
        foreach (var line in lines)
        {
            if (line.Length == 0) continue;
            starts.Add(stream.Count);
            stream.AddRange(line);
        }
        _stream = stream.ToArray();
        _lineStarts = starts.ToArray();
    }

    public int Lines => _lineStarts.Length;

    public long Tokens => _stream.Length;

    /// <summary>Tokenizes each non-blank line of a text on its own.</summary>
    public static LineAlignedCorpus FromLines(IEnumerable<string> lines, ITokenizer tokenizer) =>
        new(lines.Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => tokenizer.Encode(l)));

    /// <summary>The first lines (all but the last <paramref name="heldOutLines"/>) and the last ones, for a held-out loss.</summary>
    public (LineAlignedCorpus Train, LineAlignedCorpus HeldOut) SplitTail(int heldOutLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(heldOutLines);
        int keep = Math.Max(0, Lines - heldOutLines);
        return (new LineAlignedCorpus(LineRange(0, keep)), new LineAlignedCorpus(LineRange(keep, Lines - keep)));
    }

    /// <summary>How many lines a row of <paramref name="rowTokens"/> tokens can start at.</summary>
    public int RowStarts(int rowTokens)
    {
        // line starts are increasing, so the usable ones are a prefix
        int lo = 0, hi = _lineStarts.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_lineStarts[mid] + rowTokens <= _stream.Length) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// Rows of <paramref name="context"/> + 1 tokens starting at the given lines (indices below <see cref="RowStarts"/>),
    /// as inputs [rows·context] and next-token targets [rows·context].
    /// </summary>
    public (int[] Inputs, int[] Targets) Rows(ReadOnlySpan<int> startLines, int context)
    {
        var inputs = new int[startLines.Length * context];
        var targets = new int[startLines.Length * context];
        for (int r = 0; r < startLines.Length; r++)
        {
            int start = _lineStarts[startLines[r]];
            if (start + context + 1 > _stream.Length)
                throw new ArgumentOutOfRangeException(nameof(startLines), $"line {startLines[r]} has fewer than {context + 1} tokens after its start");
            _stream.AsSpan(start, context).CopyTo(inputs.AsSpan(r * context));
            _stream.AsSpan(start + 1, context).CopyTo(targets.AsSpan(r * context));
        }
        return (inputs, targets);
    }

    private IEnumerable<int[]> LineRange(int first, int count)
    {
        for (int i = first; i < first + count; i++)
        {
            int start = _lineStarts[i], end = i + 1 < _lineStarts.Length ? _lineStarts[i + 1] : _stream.Length;
            yield return _stream[start..end];
        }
    }
}
