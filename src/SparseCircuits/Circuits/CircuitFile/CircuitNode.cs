namespace SparseCircuits.Circuits;

/// <summary>
/// One node of a thresholded circuit: feature <see cref="Index"/> (the error node when <see cref="IsError"/>, index F)
/// of <see cref="Site"/>, at <see cref="Position"/> for position-aligned circuits. The output node has site "y".
/// </summary>
public sealed record CircuitNode(string Site, int? Position, int Index, bool IsError, float Effect)
{
    public bool IsOutput => Site == CircuitVocabulary.Output;

    /// <summary><c>{site}/{feature}</c> or <c>{site}/ε</c> (no position): the key labels and annotations use.</summary>
    public string Name { get; } = Site == CircuitVocabulary.Output ? CircuitVocabulary.Output : NodeIds.Name(Site, Index, IsError);

    /// <summary>The id used in circuit.json: the name with a <c>{p}, </c> prefix when positional; "y" for the output.</summary>
    public string Id { get; } = Site == CircuitVocabulary.Output
        ? CircuitVocabulary.Output
        : NodeIds.Id(Position, NodeIds.Name(Site, Index, IsError));

    /// <summary>The output node (at the last position for position-aligned circuits). Its effect is not a node
    /// effect and is reported as 0.</summary>
    public static CircuitNode Output(int? lastPosition) => new(CircuitVocabulary.Output, lastPosition, 0, false, 0f);
}
