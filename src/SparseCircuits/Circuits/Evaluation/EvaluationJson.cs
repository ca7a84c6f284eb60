using System.Text;
using System.Text.Json;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>
/// The machine-readable form of a sweep (<c>sfc evaluate --json</c>):
/// <c>{"F_M", "F_empty", "thresholds": [{"threshold", "nodes", "faithfulness", "completeness"}]}</c>, each threshold
/// also carrying <c>"random_nodes"</c>, <c>"random_faithfulness"</c> and <c>"random_completeness"</c> when the random
/// baseline was run. A ratio that is not a number (F(M) = F(∅)) is written as null.
/// </summary>
public static class EvaluationJson
{
    public static string Serialize(EvaluationReport report)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            Number(w, "F_M", report.FullModel);
            Number(w, "F_empty", report.Empty);
            w.WriteStartArray("thresholds");
            foreach (var row in report.Thresholds)
            {
                w.WriteStartObject();
                Number(w, "threshold", row.Threshold);
                w.WriteNumber("nodes", row.Nodes);
                Number(w, "faithfulness", row.Faithfulness);
                Number(w, "completeness", row.Completeness);
                if (row.Random is { } random)
                {
                    w.WriteNumber("random_nodes", random.Nodes);
                    Number(w, "random_faithfulness", random.Faithfulness);
                    Number(w, "random_completeness", random.Completeness);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }
}
