using System.Text.Json;
using SparseCircuits.Circuits.Evaluation;
using SparseCircuits.Tensors.Formats;

namespace Sfc.Demo;

/// <summary>
/// demo-output/summary.json: a JSON array with one record per task — task, nodes, faithfulness, completeness and
/// seconds at the discovery threshold T_N, then the full curves (with and without error nodes), the number-selective
/// features and the files written.
/// </summary>
public static class DemoSummary
{
    public const string FileName = "summary.json";

    public static string Write(IReadOnlyList<DemoTaskResult> results, DemoOptions options)
    {
        string path = Path.Combine(options.Out, FileName);
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartArray();
            foreach (var r in results) WriteTask(json, r, options);
            json.WriteEndArray();
        });
        return path;
    }

    private static void WriteTask(Utf8JsonWriter json, DemoTaskResult r, DemoOptions options)
    {
        json.WriteStartObject();
        json.WriteString("task", r.Task);
        json.WriteNumber("nodes", r.Nodes);
        json.WriteNumber("faithfulness", r.Faithfulness);
        json.WriteNumber("completeness", r.Completeness);
        json.WriteNumber("seconds", Math.Round(r.Seconds, 3));
        json.WriteNumber("edges", r.Edges);
        json.WriteNumber("faithfulness_without_errors", r.FaithfulnessWithoutErrors);
        json.WriteNumber("node_threshold", options.NodeThreshold);
        json.WriteNumber("edge_threshold", options.EdgeThreshold);
        json.WriteNumber("train_examples", r.TrainExamples);
        json.WriteNumber("test_examples", r.TestExamples);
        json.WriteNumber("F_M", r.Curve.FullModel);
        json.WriteNumber("F_empty", r.Curve.Empty);
        WriteCurve(json, "curve", r.Curve);
        WriteCurve(json, "curve_without_errors", r.CurveWithoutErrors);
        json.WriteNumber("subject_position", r.SubjectPosition);
        json.WriteStartArray("number_features");
        foreach (var f in r.NumberFeatures)
        {
            json.WriteStartObject();
            json.WriteString("site", f.Site);
            json.WriteNumber("feature", f.Feature);
            json.WriteNumber("effect", f.Effect);
            json.WriteNumber("singular_rate", f.SingularRate);
            json.WriteNumber("plural_rate", f.PluralRate);
            json.WriteString("prefers", f.Prefers);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("files");
        foreach (var (k, v) in r.Files) json.WriteString(k, v);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteCurve(Utf8JsonWriter json, string name, EvaluationReport report)
    {
        json.WriteStartArray(name);
        foreach (var t in report.Thresholds)
        {
            json.WriteStartObject();
            json.WriteNumber("threshold", t.Threshold);
            json.WriteNumber("nodes", t.Nodes);
            json.WriteNumber("faithfulness", t.Faithfulness);
            json.WriteNumber("completeness", t.Completeness);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
