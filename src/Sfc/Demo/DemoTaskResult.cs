using SparseCircuits.Circuits.Evaluation;

namespace Sfc.Demo;

/// <summary>One task's outcome: the circuit at T_N, its scores, both faithfulness curves and the number features.</summary>
/// <param name="Nodes">Nodes of the circuit at T_N over the evaluated sites and positions.</param>
/// <param name="Edges">Edges of the circuit at T_N / T_E.</param>
/// <param name="Curve">The sweep with error nodes thresholded like features.</param>
/// <param name="CurveWithoutErrors">The same sweep with every error node ablated.</param>
/// <param name="SubjectPosition">The token position of the noun the verb agrees with.</param>
public sealed record DemoTaskResult(
    string Task,
    int TrainExamples,
    int TestExamples,
    int Nodes,
    int Edges,
    double Faithfulness,
    double Completeness,
    double FaithfulnessWithoutErrors,
    double Seconds,
    EvaluationReport Curve,
    EvaluationReport CurveWithoutErrors,
    int SubjectPosition,
    IReadOnlyList<NumberFeature> NumberFeatures,
    IReadOnlyDictionary<string, string> Files);

/// <summary>A resid feature at the subject position: its node effect and how often it fires on singular vs plural
/// subjects over the test prompts (clean and patch).</summary>
public sealed record NumberFeature(string Site, int Feature, double Effect, double SingularRate, double PluralRate)
{
    public string Prefers => SingularRate >= PluralRate ? SubjectNumberPrompts.Singular : SubjectNumberPrompts.Plural;
}
