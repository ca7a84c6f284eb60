namespace SparseCircuits.Circuits.Data;

/// <summary>The examples kept so far under a <see cref="LengthPolicy"/>, with what the policy dropped.</summary>
internal sealed class LengthSelection(LengthPolicy policy)
{
    private readonly List<PromptExample> _kept = [];
    private int _shortest = int.MaxValue;

    public IReadOnlyList<PromptExample> Kept => _kept;
    public int WrongLength { get; private set; }
    public int DiscardedByRestart { get; private set; }

    public void Offer(PromptExample example)
    {
        int length = example.Length;
        switch (policy)
        {
            case LengthPolicy.Exact exact when length != exact.Length:
                WrongLength++;
                return;
            case LengthPolicy.MinimumSeenSoFar when length > _shortest:
                WrongLength++;
                return;
            case LengthPolicy.MinimumSeenSoFar when length < _shortest:
                // A new shortest length: everything kept so far is too long now.
                DiscardedByRestart += _kept.Count;
                _kept.Clear();
                _shortest = length;
                break;
        }
        _kept.Add(example);
    }
}
