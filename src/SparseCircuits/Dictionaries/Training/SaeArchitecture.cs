namespace SparseCircuits.Dictionaries.Training;

/// <summary>The sparsity mechanisms the trainer implements.</summary>
public enum SaeArchitecture
{
    /// <summary>f = ReLU(pre), sparsity from an L1 penalty on f (decoder rows held at unit norm).</summary>
    Relu,

    /// <summary>f keeps the k largest (positive) pre-activations of each row (Gao et al. 2024).</summary>
    TopK,

    /// <summary>f = pre·1[pre &gt; θ] with a learned threshold per feature and an L0 penalty (Rajamanoharan et al. 2024).</summary>
    JumpRelu,
}

/// <summary>Parsing and naming of <see cref="SaeArchitecture"/> as the command line and cfg.json spell it.</summary>
public static class SaeArchitectureNames
{
    /// <summary>"relu", "topk" or "jumprelu" (also the <see cref="DictionaryInfo.Kind"/> of the trained dictionary).</summary>
    public static string CliName(this SaeArchitecture a) => a switch
    {
        SaeArchitecture.Relu => "relu",
        SaeArchitecture.TopK => "topk",
        _ => "jumprelu",
    };

    /// <exception cref="SfcInputException">Not one of relu, topk, jumprelu (or SAELens's "standard").</exception>
    public static SaeArchitecture Parse(string text, string flag = "--arch") => text.Trim().ToLowerInvariant() switch
    {
        "relu" or "standard" => SaeArchitecture.Relu,
        "topk" => SaeArchitecture.TopK,
        "jumprelu" => SaeArchitecture.JumpRelu,
        _ => throw new SfcInputException($"{flag}: unknown architecture '{text}' (expected relu, topk or jumprelu)"),
    };
}
