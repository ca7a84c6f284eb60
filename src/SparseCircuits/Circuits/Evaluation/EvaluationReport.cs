namespace SparseCircuits.Circuits.Evaluation;

/// <summary>The scores of one circuit (or random circuit): F(C) and F(M∖C), and the two ratios.</summary>
/// <param name="Nodes">Nodes in the circuit (features and error nodes, over the evaluated sites and positions).</param>
/// <param name="Circuit">F(C): everything outside the circuit ablated.</param>
/// <param name="Complement">F(M∖C): the circuit ablated.</param>
/// <param name="Faithfulness">(F(C) − F(∅)) / (F(M) − F(∅)).</param>
/// <param name="Completeness">(F(M∖C) − F(∅)) / (F(M) − F(∅)).</param>
public sealed record CircuitScores(int Nodes, double Circuit, double Complement, double Faithfulness, double Completeness)
{
    public static CircuitScores Create(int nodes, double circuit, double complement, double fullModel, double empty) =>
        new(nodes, circuit, complement, (circuit - empty) / (fullModel - empty), (complement - empty) / (fullModel - empty));
}

/// <summary>One threshold of a sweep: the circuit's scores and, when asked for, a random circuit's at equal density.</summary>
public sealed record ThresholdScores(double Threshold, CircuitScores Scores, CircuitScores? Random)
{
    public int Nodes => Scores.Nodes;

    public double Faithfulness => Scores.Faithfulness;

    public double Completeness => Scores.Completeness;
}

/// <summary>What a sweep ran on and how long it took.</summary>
/// <param name="Sites">The evaluated sites, in forward order.</param>
/// <param name="TotalNodes">Every node of the evaluated sites and positions (the denominator of random densities).</param>
/// <param name="Work">Ablated forward passes made, and how the edited rows got their features.</param>
/// <param name="PrepareSeconds">The clean run and pass 1 (ablation values).</param>
/// <param name="SweepSeconds">F(∅) and every threshold's runs.</param>
public sealed record EvaluationRun(
    int Examples,
    int Positions,
    IReadOnlyList<string> Sites,
    long TotalNodes,
    AblationKind Ablation,
    ErrorHandling Errors,
    int StartLayer,
    int Seed,
    RunCounters Work,
    double PrepareSeconds,
    double SweepSeconds)
{
    /// <summary>Forward passes made with ablations (the reference makes 2 per threshold + 1).</summary>
    public int SplicedForwards => Work.SplicedForwards;
}

/// <summary>The result of a faithfulness/completeness sweep (algorithm §7).</summary>
/// <param name="FullModel">F(M): the unablated model.</param>
/// <param name="Empty">F(∅): every evaluated node ablated.</param>
public sealed record EvaluationReport(double FullModel, double Empty, IReadOnlyList<ThresholdScores> Thresholds, EvaluationRun Run);
