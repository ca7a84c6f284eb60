using System.Globalization;

namespace SparseCircuits.Circuits;

/// <summary>
/// The reference node naming: <c>{site}/{feature}</c>, the error node <c>{site}/ε</c>, with a position prefix
/// <c>{p}, </c> for position-aligned circuits; the output node is <c>y</c>.
/// </summary>
public static class NodeIds
{
    /// <summary>The node's name without position: the key of labels and annotations.</summary>
    public static string Name(string site, int index, bool isError) =>
        isError ? $"{site}/{CircuitVocabulary.ErrorFeature}" : $"{site}/{index.ToString(CultureInfo.InvariantCulture)}";

    public static string Id(int? position, string name) =>
        position is int p ? $"{p.ToString(CultureInfo.InvariantCulture)}, {name}" : name;
}
