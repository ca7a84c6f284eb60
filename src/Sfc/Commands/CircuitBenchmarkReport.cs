using System.Globalization;
using System.Text;
using System.Text.Json;
using SparseCircuits.Circuits.Attribution;

namespace Sfc.Commands;

/// <summary>Prints a <see cref="CircuitBenchmark"/> as a table against the baseline and the targets, or as JSON.</summary>
internal static class CircuitBenchmarkReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Table(CircuitBenchmark r)
    {
        var text = new StringBuilder();
        text.AppendLine(Inv, $"circuit benchmark: {r.Examples} examples x {r.Tokens} tokens, aggregation {NodeAggregations.Name(r.Aggregation)}; load average {Load(r.LoadBefore)} before, {Load(r.LoadAfter)} after");
        const string Layout = "  {0,-14} {1,9} {2,8} {3,8} {4,11} {5,9} {6,10} {7,12}";
        text.AppendLine(string.Format(Inv, Layout, "phase", "seconds", "cpu s", "steal s", "baseline s", "speedup", "peak RSS", "downstream"));
        var rows = r.Phases.ToList();
        if (r.Circuit is { } c) rows.Add(c);
        foreach (var p in rows)
        {
            string baseline = p.BaselineSeconds is double b ? b.ToString("F1", Inv) : "-";
            string speedup = p.Speedup is double s ? s.ToString("F1", Inv) + "x" : "-";
            string nodes = p.DownstreamNodes is int n ? n.ToString(Inv) + Reference(p) : "";
            text.AppendLine(string.Format(Inv, Layout, p.Name, p.Seconds.ToString("F2", Inv), p.CpuSeconds.ToString("F2", Inv), p.StealSeconds is double st ? st.ToString("F2", Inv) : "-", baseline, speedup, Gigabytes(p.PeakBytes), nodes));
            foreach (var (inner, (seconds, calls)) in (p.Inner ?? new Dictionary<string, (double, long)>()).OrderByDescending(x => x.Value.Seconds))
                text.AppendLine(Inv, $"      {inner,-40} {seconds,8:F2} s  ({calls} calls)");
            foreach (var (counter, amount) in (p.Counters ?? new Dictionary<string, long>()).OrderBy(x => x.Key))
                text.AppendLine(Inv, $"      {counter,-40} {amount,8}");
        }
        text.AppendLine(Inv, $"peak RSS {Gigabytes(r.PeakBytes)} (target <= {CircuitBenchmark.TargetPeakBytes / 1e9:F0} GB)");
        text.Append(string.Join("; ", Targets(r).Select(t => $"{t.Name} {(t.Met ? "met" : "NOT met")} ({t.Detail})")));
        return text.ToString();
    }

    public static string Json(CircuitBenchmark r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("examples", r.Examples);
            w.WriteNumber("tokens", r.Tokens);
            w.WriteString("aggregation", NodeAggregations.Name(r.Aggregation));
            w.WriteStartArray("phases");
            var rows = r.Phases.ToList();
            if (r.Circuit is { } c) rows.Add(c);
            foreach (var p in rows)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteNumber("seconds", Math.Round(p.Seconds, 3));
                w.WriteNumber("cpu_seconds", Math.Round(p.CpuSeconds, 3));
                Number(w, "steal_seconds", p.StealSeconds is double st ? Math.Round(st, 2) : null);
                Number(w, "baseline_seconds", p.BaselineSeconds);
                Number(w, "speedup", p.Speedup is double s ? Math.Round(s, 2) : null);
                if (p.PeakBytes is long peak) w.WriteNumber("peak_rss_bytes", peak);
                if (p.DownstreamNodes is int n) w.WriteNumber("downstream_nodes", n);
                if (p.Inner is { } inner)
                {
                    w.WriteStartObject("inner_seconds");
                    foreach (var (name, (seconds, _)) in inner) w.WriteNumber(name, Math.Round(seconds, 3));
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (r.PeakBytes is long total) w.WriteNumber("peak_rss_bytes", total);
            w.WriteStartObject("targets");
            foreach (var t in Targets(r)) w.WriteBoolean(t.Name, t.Met);
            w.WriteEndObject();
            Loads(w, "load_average_before", r.LoadBefore);
            Loads(w, "load_average_after", r.LoadAfter);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static IEnumerable<(string Name, bool Met, string Detail)> Targets(CircuitBenchmark r)
    {
        var dicts = r.Phase("dictionaries");
        yield return ("dictionaries", dicts.Seconds <= CircuitBenchmark.TargetDictionarySeconds, $"{dicts.Seconds:F2} s <= {CircuitBenchmark.TargetDictionarySeconds} s");
        var nodes = r.Phase("nodes");
        yield return ("nodes", nodes.Speedup >= CircuitBenchmark.TargetNodesSpeedup, $"{nodes.Speedup:F1}x >= {CircuitBenchmark.TargetNodesSpeedup}x");
        if (r.Circuit is { Speedup: not null } c)
            yield return ("circuit", c.Speedup >= CircuitBenchmark.TargetCircuitSpeedup, $"{c.Speedup:F1}x >= {CircuitBenchmark.TargetCircuitSpeedup}x");
        if (r.PeakBytes is long peak)
            yield return ("memory", peak <= CircuitBenchmark.TargetPeakBytes, $"{Gigabytes(peak)} <= {CircuitBenchmark.TargetPeakBytes / 1e9:F0} GB");
    }

    private static string Reference(BenchPhase p) =>
        p.Name.StartsWith("edges@", StringComparison.Ordinal) && CircuitBenchmark.BaselineEdges.TryGetValue(CircuitBenchmark.Threshold(p.Name), out var b)
            ? $" ({b.DownstreamNodes})"
            : "";

    private static string Gigabytes(long? bytes) => bytes is long b ? (b / 1e9).ToString("F2", Inv) + " GB" : "-";

    private static string Load(double[]? load) => load is null ? "-" : string.Join(" ", load.Select(x => x.ToString("F2", Inv)));

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is double v) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    private static void Loads(Utf8JsonWriter w, string name, double[]? load)
    {
        if (load is null) return;
        w.WriteStartArray(name);
        foreach (var x in load) w.WriteNumberValue(x);
        w.WriteEndArray();
    }
}
