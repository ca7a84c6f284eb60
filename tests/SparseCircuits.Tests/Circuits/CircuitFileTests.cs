using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SparseCircuits.Circuits;
using SparseCircuits.Tensors;
using SparseCircuits.Tests.Formats;

namespace SparseCircuits.Tests.Circuits;

public class CircuitFileTests
{
    [Fact]
    public void SumCircuitRoundTripsToTheHandBuiltArrays()
    {
        using var dir = new TempFolder();
        var path = dir.File("circuit.json");
        CircuitWriter.Write(HandCircuits.Sum(), path);
        Assert.True(File.Exists(dir.File("circuit.safetensors")));

        var read = CircuitReader.Read(path);
        Assert.Equal(["embed", "attn_0", "resid_0"], read.Nodes.Select(n => n.Site));
        Assert.Equal(HandCircuits.Embed, read.Site("embed").Effects.ToArray());
        Assert.Equal([5], read.Site("embed").Effects.ShapeArray);
        Assert.Equal(HandCircuits.Attn0, read.Site("attn_0").Effects.ToArray());
        Assert.Equal(HandCircuits.Resid0, read.Site("resid_0").Effects.ToArray());

        Assert.Equal(4, read.Edges.Count);
        AssertPair(read, "embed", "attn_0", HandCircuits.EmbedToAttnIndices, HandCircuits.EmbedToAttnValues);
        AssertPair(read, "attn_0", "resid_0", HandCircuits.AttnToResidIndices, HandCircuits.AttnToResidValues);
        AssertPair(read, "embed", "resid_0", HandCircuits.EmbedToResidIndices, HandCircuits.EmbedToResidValues);
        AssertPair(read, "resid_0", "y", HandCircuits.ResidToYIndices, HandCircuits.ResidToYValues);
        // Pairs come back in forward order (upstream, then downstream, y last), whatever order they were given in.
        Assert.Equal(["embed>attn_0", "embed>resid_0", "attn_0>resid_0", "resid_0>y"], read.Edges.Select(e => $"{e.Upstream}>{e.Downstream}"));

        var m = read.Metadata;
        Assert.Equal(("models/pythia-70m-deduped", "dictionaries/pythia-70m-deduped", "data/simple_train.json"), (m.Model, m.Dictionaries, m.Data));
        Assert.Equal(("ig", 10, "sum", 100), (m.Method, m.Steps, m.Aggregation, m.Examples));
        Assert.Equal((0.25, 0.125), (m.NodeThreshold, m.EdgeThreshold));
        Assert.Null(m.Tokens);
        Assert.Equal(new CircuitMetric(-2.5, 3.25), m.Metric);
        Assert.Equal([("nodes", 1.5), ("edges", 2.25)], m.Timings.Select(t => (t.Key, t.Value)));
        Assert.Equal(2, m.Extra["start_layer"].GetInt32());
        // Labels live with the nodes of circuit.json, so only those of nodes above the threshold are kept.
        Assert.Equal([("embed/0", "plural subject")], read.Labels.Select(l => (l.Key, l.Value)));
    }

    [Fact]
    public void PositionalCircuitRoundTripsToTheHandBuiltArrays()
    {
        using var dir = new TempFolder();
        var path = dir.File("agreement.json");
        CircuitWriter.Write(HandCircuits.Positional(), path);

        var read = CircuitReader.Read(path);
        Assert.Equal(HandCircuits.PositionalEmbed, read.Site("embed").Effects.ToArray());
        Assert.Equal([3, 5], read.Site("embed").Effects.ShapeArray);
        Assert.Equal(HandCircuits.PositionalResid, read.Site("resid_0").Effects.ToArray());
        Assert.Equal([3, 5], read.Site("resid_0").Effects.ShapeArray);
        AssertPair(read, "embed", "resid_0", HandCircuits.PositionalEdgeIndices, HandCircuits.PositionalEdgeValues);
        AssertPair(read, "resid_0", "y", HandCircuits.PositionalYIndices, HandCircuits.PositionalYValues);
        Assert.Equal(["The", " keys", " are"], read.Metadata.Tokens!);
        Assert.Equal("none", read.Metadata.Aggregation);
    }

    [Fact]
    public void AnEdgePairWithNoEdgesRoundTrips()
    {
        using var dir = new TempFolder();
        var circuit = HandCircuits.Sum();
        circuit = circuit with { Edges = [.. circuit.Edges, new EdgeEffects("embed", "y", [], [])] };
        CircuitWriter.Write(circuit, dir.File("c.json"));
        var pair = Assert.Single(CircuitReader.Read(dir.File("c.json")).Edges, e => e.Upstream == "embed" && e.Downstream == "y");
        Assert.Empty(pair.Indices);
        Assert.Empty(pair.Values);
    }

    [Fact]
    public void JsonHoldsExactlyTheNodesAndEdgesAboveTheThresholds()
    {
        using var dir = new TempFolder();
        var path = dir.File("circuit.json");
        CircuitWriter.Write(HandCircuits.Sum(), path);
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = json.RootElement;

        Assert.Equal(
            ["version", "model", "dictionaries", "data", "method", "steps", "aggregation", "node_threshold", "edge_threshold",
             "examples", "nodes", "edges", "metric", "timings", "extra"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(0.25, root.GetProperty("node_threshold").GetDouble());

        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(HandCircuits.SumNodes, nodes.Select(n => (n.GetProperty("id").GetString()!, n.GetProperty("effect").GetSingle())));
        var embed0 = nodes.Single(n => n.GetProperty("id").GetString() == "embed/0");
        Assert.Equal("embed", embed0.GetProperty("site").GetString());
        Assert.Equal(0, embed0.GetProperty("feature").GetInt32());
        Assert.Equal(JsonValueKind.Null, embed0.GetProperty("position").ValueKind);
        Assert.Equal("plural subject", embed0.GetProperty("label").GetString());
        var error = nodes.Single(n => n.GetProperty("id").GetString() == "resid_0/ε");
        Assert.Equal("error", error.GetProperty("feature").GetString());
        Assert.False(error.TryGetProperty("label", out _));

        var edges = root.GetProperty("edges").EnumerateArray()
            .Select(e => (e.GetProperty("source").GetString()!, e.GetProperty("target").GetString()!, e.GetProperty("weight").GetSingle()))
            .ToList();
        Assert.Equal(HandCircuits.SumEdges.OrderBy(e => e.ToString()), edges.OrderBy(e => e.ToString()));

        Assert.Equal(-2.5, root.GetProperty("metric").GetProperty("clean").GetDouble());
        Assert.Equal(3.25, root.GetProperty("metric").GetProperty("patch").GetDouble());
        Assert.Equal(2.25, root.GetProperty("timings").GetProperty("edges").GetDouble());
    }

    [Fact]
    public void PositionalJsonHasPositionsTokensAndPrefixedIds()
    {
        using var dir = new TempFolder();
        var path = dir.File("circuit.json");
        CircuitWriter.Write(HandCircuits.Positional(), path);
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = json.RootElement;

        Assert.Equal(["The", " keys", " are"], root.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(HandCircuits.PositionalNodes, nodes.Select(n => (n.GetProperty("id").GetString()!, n.GetProperty("effect").GetSingle())));
        var error = nodes[0];
        Assert.Equal(("embed", "error", 2), (error.GetProperty("site").GetString(), error.GetProperty("feature").GetString(), error.GetProperty("position").GetInt32()));
        var edges = root.GetProperty("edges").EnumerateArray()
            .Select(e => (e.GetProperty("source").GetString()!, e.GetProperty("target").GetString()!, e.GetProperty("weight").GetSingle()));
        Assert.Equal(HandCircuits.PositionalEdges.OrderBy(e => e.ToString()), edges.OrderBy(e => e.ToString()));
    }

    [Fact]
    public void EffectsAreWrittenAsShortestFloat32Text()
    {
        using var dir = new TempFolder();
        var path = dir.File("circuit.json");
        CircuitWriter.Write(HandCircuits.Sum(), path);
        var text = File.ReadAllText(path);
        // 0.3f is 0.300000011920929 as a double; float32 round-trip text is "0.3".
        Assert.Contains("\"effect\": 0.3\n", text.Replace("\r\n", "\n"));
        Assert.Contains("\"weight\": -0.2\n", text.Replace("\r\n", "\n"));
        Assert.Contains("\"id\": \"embed/ε\"", text); // UTF-8, not \u03B5
    }

    [Fact]
    public void SafetensorsHasTheDocumentedNamesDtypesShapesAndBytes()
    {
        using var dir = new TempFolder();
        CircuitWriter.Write(HandCircuits.Sum(), dir.File("circuit.json"));
        var bytes = File.ReadAllBytes(dir.File("circuit.safetensors"));

        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        var entries = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__")
            .ToDictionary(p => p.Name, p => (
                DType: p.Value.GetProperty("dtype").GetString(),
                Shape: p.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                Begin: p.Value.GetProperty("data_offsets")[0].GetInt64(),
                End: p.Value.GetProperty("data_offsets")[1].GetInt64()));
        var expected = new Dictionary<string, (string, int[])>
        {
            ["nodes.embed"] = ("F32", [5]),
            ["nodes.attn_0"] = ("F32", [5]),
            ["nodes.resid_0"] = ("F32", [5]),
            ["edges.embed.attn_0.indices"] = ("I64", [4, 2]),
            ["edges.embed.attn_0.values"] = ("F32", [4]),
            ["edges.attn_0.resid_0.indices"] = ("I64", [3, 2]),
            ["edges.attn_0.resid_0.values"] = ("F32", [3]),
            ["edges.embed.resid_0.indices"] = ("I64", [2, 2]),
            ["edges.embed.resid_0.values"] = ("F32", [2]),
            ["edges.resid_0.y.indices"] = ("I64", [3, 2]),
            ["edges.resid_0.y.values"] = ("F32", [3]),
        };
        Assert.Equal(expected.Keys.Order(), entries.Keys.Order());
        foreach (var (name, (dtype, shape)) in expected)
        {
            Assert.Equal(dtype, entries[name].DType);
            Assert.Equal(shape, entries[name].Shape);
        }
        var metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Equal("sparsecircuits-circuit-v1", metadata.GetProperty("format").GetString());

        long dataStart = 8 + headerLength;
        var resid = entries["nodes.resid_0"];
        var floats = Enumerable.Range(0, 5).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + resid.Begin + 4 * i)))).ToArray();
        Assert.Equal(HandCircuits.Resid0, floats);
        var indices = entries["edges.embed.attn_0.indices"];
        var longs = Enumerable.Range(0, 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)(dataStart + indices.Begin + 8 * i)))).ToArray();
        Assert.Equal(HandCircuits.EmbedToAttnIndices, longs);
    }

    [Fact]
    public void PositionalSafetensorsHasFourIndexColumns()
    {
        using var dir = new TempFolder();
        CircuitWriter.Write(HandCircuits.Positional(), dir.File("c.json"));
        var bytes = File.ReadAllBytes(dir.File("c.safetensors"));
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        int[] Shape(string name) => header.RootElement.GetProperty(name).GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        Assert.Equal([3, 5], Shape("nodes.embed"));
        Assert.Equal([5, 4], Shape("edges.embed.resid_0.indices"));
        Assert.Equal([3, 4], Shape("edges.resid_0.y.indices"));
        Assert.Equal([3], Shape("edges.resid_0.y.values"));
    }

    [Fact]
    public void ThresholdIsStrictAndDropsEdgesWithAFailingEndpoint()
    {
        var selection = HandCircuits.Sum().Threshold(HandCircuits.NodeThreshold, HandCircuits.EdgeThreshold);
        Assert.Equal(HandCircuits.SumNodes, selection.Nodes.Select(n => (n.Id, n.Effect)));
        Assert.Equal(HandCircuits.SumEdges.OrderBy(e => e.ToString()),
            selection.Edges.Select(e => (e.Source.Id, e.Target.Id, e.Weight)).OrderBy(e => e.ToString()));

        // Positive only: attn_0/2 (−0.6) goes, and with it embed/0 → attn_0/2.
        var positive = HandCircuits.Sum().Threshold(0.25, 0.125, positiveOnly: true);
        Assert.Equal(["embed/ε", "embed/0", "attn_0/1", "resid_0/0", "resid_0/ε"], positive.Nodes.Select(n => n.Id));
        Assert.DoesNotContain(positive.Edges, e => e.Target.Id == "attn_0/2");
        Assert.Equal(6, positive.Edges.Count);
    }

    [Fact]
    public void WritingIsDeterministic()
    {
        using var dir = new TempFolder();
        CircuitWriter.Write(HandCircuits.Positional(), dir.File("a.json"));
        CircuitWriter.Write(HandCircuits.Positional(), dir.File("b.json"));
        Assert.Equal(File.ReadAllBytes(dir.File("a.json")), File.ReadAllBytes(dir.File("b.json")));
        Assert.Equal(File.ReadAllBytes(dir.File("a.safetensors")), File.ReadAllBytes(dir.File("b.safetensors")));
    }

    [Fact]
    public void FailuresLeaveNoFiles()
    {
        using var dir = new TempFolder();

        // A selected effect that JSON cannot hold.
        var infinite = HandCircuits.Sum();
        infinite.Site("attn_0").Effects.Span[0] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => CircuitWriter.Write(infinite, dir.File("inf.json")));

        // An edge index beyond F.
        var outOfRange = HandCircuits.Sum() with { Edges = [new EdgeEffects("embed", "attn_0", [5, 0], [1f])] };
        var e = Assert.Throws<ArgumentException>(() => CircuitWriter.Write(outOfRange, dir.File("range.json")));
        Assert.Contains("index 5", e.Message);

        // The .json path is a folder: refused before anything is written.
        Directory.CreateDirectory(dir.File("taken.json"));
        Assert.Throws<SfcInputException>(() => CircuitWriter.Write(HandCircuits.Sum(), dir.File("taken.json")));

        // A missing folder.
        Assert.Throws<SfcInputException>(() => CircuitWriter.Write(HandCircuits.Sum(), Path.Combine(dir.Path, "absent", "c.json")));

        Assert.Equal(["taken.json"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void RewritingReplacesBothFiles()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.json");
        CircuitWriter.Write(HandCircuits.Sum(), path);
        var changed = HandCircuits.Sum();
        changed.Site("embed").Effects.Span[2] = 0.875f;
        CircuitWriter.Write(changed, path);
        var read = CircuitReader.Read(path);
        Assert.Equal(0.875f, read.Site("embed").Effects.Span[2]);
        Assert.Contains(read.Threshold().Nodes, n => n.Id == "embed/2");
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length);
    }

    [Fact]
    public void MissingOrBrokenFilesAreClearInputErrors()
    {
        using var dir = new TempFolder();
        var path = dir.File("c.json");

        var missing = Assert.Throws<SfcInputException>(() => CircuitReader.Read(path));
        Assert.Contains("c.json", missing.Message);

        CircuitWriter.Write(HandCircuits.Sum(), path);
        var tensors = File.ReadAllBytes(dir.File("c.safetensors"));
        File.Delete(dir.File("c.safetensors"));
        var noTensors = Assert.Throws<SfcInputException>(() => CircuitReader.Read(path));
        Assert.Contains("c.safetensors", noTensors.Message);

        File.WriteAllBytes(dir.File("c.safetensors"), tensors[..(tensors.Length - 10)]);
        var truncated = Assert.Throws<SfcInputException>(() => CircuitReader.Read(path));
        Assert.Contains("c.safetensors", truncated.Message);

        File.WriteAllBytes(dir.File("c.safetensors"), tensors);
        var json = File.ReadAllText(path);
        File.WriteAllText(path, json[..(json.Length / 2)]);
        var brokenJson = Assert.Throws<SfcInputException>(() => CircuitReader.Read(path));
        Assert.Contains("not valid JSON", brokenJson.Message);

        Assert.Throws<SfcInputException>(() => CircuitReader.Read(dir.File("c.safetensors")));
    }

    [Fact]
    public void JsonAndSafetensorsFromDifferentRunsAreRefused()
    {
        using var dir = new TempFolder();
        CircuitWriter.Write(HandCircuits.Sum(), dir.File("a.json"));
        var other = HandCircuits.Sum();
        other.Site("embed").Effects.Span[0] = 0.625f; // embed/0 is listed in a.json with 0.5
        CircuitWriter.Write(other, dir.File("b.json"));
        File.Copy(dir.File("b.safetensors"), dir.File("a.safetensors"), overwrite: true);
        var e = Assert.Throws<SfcInputException>(() => CircuitReader.Read(dir.File("a.json")));
        Assert.Contains("embed/0", e.Message);
        Assert.Contains("same run", e.Message);

        // A positional safetensors under a sum circuit.json.
        CircuitWriter.Write(HandCircuits.Positional(), dir.File("p.json"));
        File.Copy(dir.File("p.safetensors"), dir.File("a.safetensors"), overwrite: true);
        Assert.Throws<SfcInputException>(() => CircuitReader.Read(dir.File("a.json")));
    }

    [Fact]
    public void InvalidCircuitsAreRejectedWithTheReason()
    {
        var circuit = HandCircuits.Sum();
        Assert.Contains("against the forward site order", Assert.Throws<ArgumentException>(() =>
            (circuit with { Edges = [new EdgeEffects("resid_0", "embed", [0, 0], [1f])] }).Validate()).Message);
        Assert.Contains("enter y at index 0", Assert.Throws<ArgumentException>(() =>
            (circuit with { Edges = [new EdgeEffects("resid_0", "y", [1, 0], [1f])] }).Validate()).Message);
        Assert.Contains("needs 2 per edge", Assert.Throws<ArgumentException>(() =>
            (circuit with { Edges = [new EdgeEffects("embed", "resid_0", [0, 0, 0], [1f])] }).Validate()).Message);
        Assert.Contains("[S, F+1]", Assert.Throws<ArgumentException>(() =>
            (circuit with { Metadata = circuit.Metadata with { Aggregation = "none" } }).Validate()).Message);
        Assert.Contains("not allowed", Assert.Throws<ArgumentException>(() =>
            (circuit with { Nodes = [new NodeEffects("blocks.0.hook_resid_post", Tensor.Zeros(5))], Edges = [] }).Validate()).Message);
        Assert.Contains("tokens for 3 positions", Assert.Throws<ArgumentException>(() =>
        {
            var positional = HandCircuits.Positional();
            (positional with { Metadata = positional.Metadata with { Tokens = ["a"] } }).Validate();
        }).Message);
    }

    private static void AssertPair(Circuit circuit, string upstream, string downstream, long[] indices, float[] values)
    {
        var pair = Assert.Single(circuit.Edges, e => e.Upstream == upstream && e.Downstream == downstream);
        Assert.Equal(indices, pair.Indices);
        Assert.Equal(values, pair.Values);
    }
}
