using SparseCircuits.Datasets.Agreement;

namespace Sfc.Demo;

/// <summary>
/// The demo's settings. The defaults follow the paper's faithfulness experiment (algorithm §7): circuits from 100
/// training examples by integrated gradients (10 steps), aggregation "none", T_N = 0.1 and T_E = 0.01, evaluated
/// on 40 test examples with mean ablation over the 15 thresholds logspace(−4, 0) plus T_N itself.
/// </summary>
public sealed record DemoOptions
{
    /// <summary>The folder holding models/ and data/ (the repository root).</summary>
    public required string Root { get; init; }

    /// <summary>Where the outputs go (created; existing files inside are replaced).</summary>
    public string Out { get; init; } = "demo-output";

    public IReadOnlyList<AgreementTask> Tasks { get; init; } = Enum.GetValues<AgreementTask>();

    public int TrainExamples { get; init; } = 100;

    public int TestExamples { get; init; } = 40;

    public int Steps { get; init; } = 10;

    public double NodeThreshold { get; init; } = 0.1;

    public double EdgeThreshold { get; init; } = 0.01;

    /// <summary>How many of the top resid features at the subject position get their number selectivity measured.</summary>
    public int SelectivityFeatures { get; init; } = 5;

    public BundledAgreementModel Bundle => new(Root);

    public string ModelDir => Bundle.ModelFolder;

    /// <summary>A dictionary set to use instead of the bundled one (e.g. SAEs trained with another recipe); null = bundled.</summary>
    public string? Dictionaries { get; init; }

    public string DictionaryDir => Dictionaries ?? Bundle.DictionariesFolder;

    /// <summary>The dictionary folder as the circuit file records it: relative to the root for the bundled set.</summary>
    public string DictionaryLabel => Dictionaries is null ? BundledAgreementModel.DictionariesPath : Path.GetFullPath(Dictionaries);

    public string TrainData(AgreementTask task) => Bundle.TrainSet(task);

    public string TestData(AgreementTask task) => Bundle.TestSet(task);
}
