using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SparseCircuits;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Tensors.Blas;

namespace Sfc.Commands;

/// <summary><c>sfc bench</c>: throughput measurements of the engine's building blocks.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure the speed of engine building blocks.");
        bench.Subcommands.Add(CreateGemm());
        bench.Subcommands.Add(CreateForward());
        bench.Subcommands.Add(CreateCircuit());
        bench.Subcommands.Add(CreateEvaluate());
        return bench;
    }

    private static Command CreateCircuit()
    {
        var model = new Option<string>("--model") { Description = "Model folder (Pythia-70m size for the issue-5 baseline)", Required = true };
        var dictionaries = new Option<string>("--dictionaries") { Description = "Folder with one dictionary sub-folder per site", Required = true };
        var data = new Option<string>("--data") { Description = "JSON-lines examples (10 examples of 6 tokens for the baseline)", Required = true };
        var thresholds = new Option<string>("--node-thresholds")
        {
            Description = "Comma-separated node thresholds T_N; edges are computed once per threshold",
            DefaultValueFactory = _ => "0.1,0.02,0.01",
        };
        var aggregation = new Option<string>("--aggregation") { Description = "sum | none", DefaultValueFactory = _ => "sum" };
        var steps = new Option<int>("--steps") { Description = "Integrated-gradient steps", DefaultValueFactory = _ => 10 };
        var examples = new Option<int?>("--examples") { Description = "How many examples (default: all in the file)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var profile = new Option<bool>("--profile") { Description = "Also time the algorithm's inner phases (encoding, IG passes, edge VJPs, contractions)." };
        var circuit = new Command("circuit",
            "Time dictionary loading, IG node effects and edges per node threshold, with peak memory, against the PyTorch reference (issue 5).")
        {
            model, dictionaries, data, thresholds, aggregation, steps, examples, json, profile,
        };
        circuit.SetAction(parse =>
        {
            var ts = ParseThresholds(parse.GetValue(thresholds)!);
            var agg = NodeAggregations.Parse(parse.GetValue(aggregation)!);
            if (agg == NodeAggregation.Last) throw new SfcInputException("--aggregation last has no edges; use sum or none");
            int stepCount = Positive(parse.GetValue(steps), "--steps");
            if (parse.GetValue(examples) is int n) Positive(n, "--examples");
            var output = parse.InvocationConfiguration.Output;
            bool asJson = parse.GetValue(json);
            var result = CircuitBenchmark.Measure(parse.GetValue(model)!, parse.GetValue(dictionaries)!, parse.GetValue(data)!, ts, agg, stepCount,
                parse.GetValue(examples), parse.GetValue(profile), asJson ? null : phase => output.WriteLine($"  running {phase} ..."));
            output.WriteLine(asJson ? CircuitBenchmarkReport.Json(result) : CircuitBenchmarkReport.Table(result));
            return 0;
        });
        return circuit;
    }

    private static double[] ParseThresholds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new SfcInputException("--node-thresholds needs at least one value");
        return parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw new SfcInputException($"--node-thresholds: '{p}' is not a non-negative number")).ToArray();
    }

    private static Command CreateEvaluate()
    {
        var model = new Option<string>("--model") { Description = "Model folder (config.json + weights)", Required = true };
        var dictionaries = new Option<string>("--dictionaries") { Description = "Folder with one dictionary sub-folder per site", Required = true };
        var data = new Option<string>("--data") { Description = "JSON-lines examples", Required = true };
        var circuit = new Option<string?>("--circuit") { Description = "circuit.json to score (default: a seeded synthetic aggregation-'none' circuit over every site)" };
        var examples = new Option<int>("--examples") { Description = "How many examples", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic circuit", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of text." };
        var writeCircuit = new Option<string?>("--write-circuit") { Description = "Also write the circuit scored (e.g. the synthetic one) to this circuit.json, for other implementations to time" };
        var evaluate = new Command("evaluate", "Seconds and ablated forward passes of a 15-threshold faithfulness sweep (mean ablation, every site), after loading.")
        {
            model, dictionaries, data, circuit, examples, seed, json, writeCircuit,
        };
        evaluate.SetAction(parse =>
        {
            var r = EvaluationBenchmark.Measure(parse.GetValue(model)!, parse.GetValue(dictionaries)!, parse.GetValue(data)!, parse.GetValue(circuit),
                Positive(parse.GetValue(examples), "--examples"), parse.GetValue(seed), new SparseCircuits.Circuits.Evaluation.EvaluationOptions(),
                parse.GetValue(writeCircuit));
            var run = r.Report.Run;
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    circuit = r.CircuitSource, examples = run.Examples, positions = run.Positions, sites = run.Sites.Count, thresholds = r.Report.Thresholds.Count,
                    load_s = Math.Round(r.LoadSeconds, 3), prepare_s = Math.Round(run.PrepareSeconds, 3), sweep_s = Math.Round(run.SweepSeconds, 3),
                    total_s = Math.Round(r.TotalSeconds, 3), ablated_runs = run.SplicedForwards, stacked_forwards = run.Work.StackedForwards,
                    rows_reused = run.Work.ReusedRows, rows_subset_encoded = run.Work.SubsetEncodedRows, rows_fully_encoded = run.Work.FullyEncodedRows,
                    rows_duplicate = run.Work.DuplicateRows,
                    nodes = r.Report.Thresholds.Select(t => t.Nodes).ToArray(),
                }));
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine(string.Create(inv, $"circuit: {r.CircuitSource}; {run.Examples} examples x {run.Positions} tokens, {run.Sites.Count} sites, {r.Report.Thresholds.Count} thresholds"));
            output.WriteLine(string.Create(inv, $"nodes per threshold: {string.Join(", ", r.Report.Thresholds.Select(t => t.Nodes))}"));
            output.WriteLine(string.Create(inv, $"load {r.LoadSeconds:F2} s (not counted)"));
            output.WriteLine(string.Create(inv, $"sweep {r.TotalSeconds:F2} s = prepare {run.PrepareSeconds:F2} s (clean run, pass 1) + runs {run.SweepSeconds:F2} s"));
            output.WriteLine(string.Create(inv, $"ablated runs (spliced forward passes): {run.SplicedForwards}, stacked into {run.Work.StackedForwards} forward passes (the reference makes {2 * r.Report.Thresholds.Count + 1})"));
            output.WriteLine(string.Create(inv, $"F(M) {r.Report.FullModel:F6}, F(empty) {r.Report.Empty:F6}; F(C) per threshold: {string.Join(", ", r.Report.Thresholds.Select(t => t.Scores.Circuit.ToString("F6", inv)))}"));
            output.WriteLine(string.Create(inv, $"F(M\\C) per threshold: {string.Join(", ", r.Report.Thresholds.Select(t => t.Scores.Complement.ToString("F6", inv)))}"));
            output.WriteLine(string.Create(inv, $"edited rows: {run.Work.ReusedRows} reused clean features, {run.Work.SubsetEncodedRows} subset-encoded, {run.Work.FullyEncodedRows} fully encoded (+{run.Work.DuplicateRows} duplicates shared)"));
            return 0;
        });
        return evaluate;
    }

    private static Command CreateForward()
    {
        var batch = new Option<int>("--batch") { Description = "Sequences per batch.", DefaultValueFactory = _ => 8 };
        var length = new Option<int>("--length") { Description = "Tokens per sequence.", DefaultValueFactory = _ => 128 };
        var repeat = new Option<int>("--repeat") { Description = "Measured repetitions (median reported).", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of a table." };
        var forward = new Command("forward", "Tokens/s of a Pythia-70m-size model (random weights), no-grad and with gradients, against the GEMM-bound rate.")
        {
            batch, length, repeat, json,
        };
        forward.SetAction(parse =>
        {
            var r = ForwardThroughput.Measure(SparseCircuits.Models.RandomWeights.Pythia70mConfig,
                Positive(parse.GetValue(batch), "--batch"), Positive(parse.GetValue(length), "--length"), Positive(parse.GetValue(repeat), "--repeat"));
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    batch = r.Batch, length = r.Length, forward_gflop = Math.Round(r.ForwardFlops / 1e9, 3),
                    gemm_gflops = Math.Round(r.GemmGflops, 2),
                    nograd_tokens_per_s = Math.Round(r.NoGradTokensPerSecond), nograd_fraction_of_gemm_bound = Math.Round(r.NoGradFraction, 3),
                    grad_tokens_per_s = Math.Round(r.WithGradTokensPerSecond), grad_fraction_of_gemm_bound = Math.Round(r.WithGradFraction, 3),
                }));
                return 0;
            }
            output.WriteLine($"Pythia-70m size, batch {r.Batch} x {r.Length} tokens; forward {r.ForwardFlops / 1e9:F2} GFLOP; engine GEMM {r.GemmGflops:F1} GFLOP/s");
            output.WriteLine($"  no-grad forward      {r.NoGradTokensPerSecond,10:F0} tokens/s  ({r.NoGradFraction:P0} of GEMM-bound)");
            output.WriteLine($"  forward + backward   {r.WithGradTokensPerSecond,10:F0} tokens/s  ({r.WithGradFraction:P0} of GEMM-bound, 3x forward FLOPs)");
            return 0;
        });
        return forward;
    }

    private static Command CreateGemm()
    {
        var m = new Option<int>("--m") { Description = "Rows of C and op(A).", DefaultValueFactory = _ => 512 };
        var n = new Option<int>("--n") { Description = "Columns of C and op(B).", DefaultValueFactory = _ => 768 };
        var k = new Option<int>("--k") { Description = "Inner dimension.", DefaultValueFactory = _ => 3072 };
        var repeat = new Option<int>("--repeat")
        {
            Description = "Measured repetitions per path (the median is reported).",
            DefaultValueFactory = _ => 10,
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "Threads for both OpenBLAS and the managed GEMM (default: their own defaults).",
        };
        var transA = new Option<bool>("--trans-a") { Description = "Multiply by the transpose of A (stored k×m)." };
        var transB = new Option<bool>("--trans-b") { Description = "Multiply by the transpose of B (stored n×k)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON line instead of a table." };
        var gemm = new Command("gemm", "GFLOP/s of C = A·B: raw OpenBLAS call, the engine's Gemm.Sgemm, and the managed fallback.")
        {
            m, n, k, repeat, threads, transA, transB, json,
        };
        gemm.SetAction(parse =>
        {
            int mv = Positive(parse.GetValue(m), "--m");
            int nv = Positive(parse.GetValue(n), "--n");
            int kv = Positive(parse.GetValue(k), "--k");
            int repeats = Positive(parse.GetValue(repeat), "--repeat");
            if (parse.GetValue(threads) is int t)
            {
                Positive(t, "--threads");
                OpenBlas.Threads = t;
                ManagedGemm.MaxDegreeOfParallelism = t;
            }

            var result = GemmThroughput.Measure(mv, nv, kv, parse.GetValue(transA), parse.GetValue(transB), repeats);
            parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(json) ? ToJson(result) : ToTable(result));
            return 0;
        });
        return gemm;
    }

    private static int Positive(int value, string flag) =>
        value >= 1 ? value : throw new SfcInputException($"{flag} must be at least 1 (got {value}).");

    /// <summary>{"m":..,"n":..,"k":..,"engine_gflops":..,"openblas_gflops":..,"managed_gflops":..}; openblas_gflops is
    /// null when OpenBLAS is not installed.</summary>
    internal static string ToJson(GemmThroughput r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("m", r.M);
            w.WriteNumber("n", r.N);
            w.WriteNumber("k", r.K);
            w.WriteNumber("engine_gflops", Math.Round(r.EngineGflops, 2));
            if (r.OpenBlasGflops is double o) w.WriteNumber("openblas_gflops", Math.Round(o, 2));
            else w.WriteNull("openblas_gflops");
            w.WriteNumber("managed_gflops", Math.Round(r.ManagedGflops, 2));
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string ToTable(GemmThroughput r)
    {
        const string Layout = "  {0,-10} {1,10} {2,9}  {3}";
        var inv = CultureInfo.InvariantCulture;
        string Row(string path, double? gflops, string note)
        {
            string rate = gflops is double g ? g.ToString("F1", inv) : "-";
            string share = gflops is double x && r.OpenBlasGflops is double raw ? (x / raw).ToString("P0", inv) : "-";
            return string.Format(inv, Layout, path, rate, share, note);
        }

        string threads = (OpenBlas.IsAvailable ? $"OpenBLAS {OpenBlas.Threads}, " : "") + $"managed {ManagedGemm.MaxDegreeOfParallelism}";
        string openBlasNote = OpenBlas.IsAvailable ? $"cblas_sgemm from {OpenBlas.LibraryName} ({OpenBlas.CoreName ?? "kernel unknown"} kernels)" : "not installed";
        string engineNote = "Gemm.Sgemm, " + (OpenBlas.IsAvailable ? "OpenBLAS backend" : "managed backend");
        return string.Join(Environment.NewLine,
            $"GEMM C = {(r.TransA ? "Aᵀ" : "A")}·{(r.TransB ? "Bᵀ" : "B")}, m={r.M} n={r.N} k={r.K}, median of {r.Repeat}; threads: {threads}",
            string.Format(inv, Layout, "path", "GFLOP/s", "vs raw", ""),
            Row("openblas", r.OpenBlasGflops, openBlasNote),
            Row("engine", r.EngineGflops, engineNote),
            Row("managed", r.ManagedGflops, $"ManagedGemm, {ManagedGemm.EffectiveKernel} kernel"));
    }
}
