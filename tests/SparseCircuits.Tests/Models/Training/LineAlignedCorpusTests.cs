using SparseCircuits.Models.Training;

namespace SparseCircuits.Tests.Models.Training;

public class LineAlignedCorpusTests
{
    private static readonly int[][] Lines = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9], [10]];

    [Fact]
    public void RowsStartAtLinesAndRunOnThroughTheFollowingOnes()
    {
        var corpus = new LineAlignedCorpus(Lines);
        Assert.Equal(4, corpus.Lines); // the empty line is skipped
        Assert.Equal(10, corpus.Tokens);
        var (inputs, targets) = corpus.Rows([1, 0], context: 4);
        Assert.Equal(new[] { 4, 5, 6, 7, 1, 2, 3, 4 }, inputs);
        Assert.Equal(new[] { 5, 6, 7, 8, 2, 3, 4, 5 }, targets);
    }

    [Fact]
    public void OnlyLinesWithAFullRowAfterThemCanStartOne()
    {
        var corpus = new LineAlignedCorpus(Lines);
        Assert.Equal(2, corpus.RowStarts(6)); // lines at tokens 0 and 3 have ≥ 6 tokens from their start; the one at 5 has 5
        Assert.Equal(4, corpus.RowStarts(1));
        Assert.Equal(0, corpus.RowStarts(11));
        Assert.Throws<ArgumentOutOfRangeException>(() => corpus.Rows([2], context: 5));
    }

    [Fact]
    public void SplitTailHoldsOutTheLastLines()
    {
        var (train, held) = new LineAlignedCorpus(Lines).SplitTail(1);
        Assert.Equal(3, train.Lines);
        Assert.Equal(9, train.Tokens);
        Assert.Equal(1, held.Lines);
        var (inputs, targets) = train.Rows([2], 3);
        Assert.Equal(new[] { 6, 7, 8 }, inputs);
        Assert.Equal(new[] { 7, 8, 9 }, targets);
        Assert.Equal(0, held.RowStarts(2)); // [10] alone has no next token
    }
}
