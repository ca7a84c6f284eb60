using System.CommandLine;
using System.Xml.Linq;
using SparseCircuits.Circuits;
using SparseCircuits.Circuits.Plotting;
using SparseCircuits.Tests.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Circuits;

public class CircuitPlotTests
{
    private static readonly PlotOptions Defaults = new();

    [Fact]
    public void NodeShapesAndColoursFollowTheEffects()
    {
        // The largest |effect| of the hand circuit is resid_0/0 = 1, so x = effect.
        var dot = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), Defaults));

        var embed0 = dot.Nodes["embed/0"]; // 0.5: (255·0.5, 255·0.5, 255) = (127.5 → 128, 128, 255)
        Assert.Equal(("box", "rounded,filled", "#8080ff"), (embed0["shape"], embed0["style"], embed0["fillcolor"]));
        Assert.Equal("#ffffff", embed0["fontcolor"]); // 0.299·128 + 0.587·128 + 0.114·255 = 142.5 ≤ 170

        var error = dot.Nodes["embed/ε"]; // 0.75: 255·0.25 = 63.75 → 64 = 0x40
        Assert.Equal(("triangle", "#4040ff", "#ffffff"), (error["shape"], error["fillcolor"], error["fontcolor"]));

        var negative = dot.Nodes["attn_0/2"]; // −0.6: (255, 255·0.4, 255·0.4) = (255, 102, 102)
        Assert.Equal(("#ff6666", "#ffffff"), (negative["fillcolor"], negative["fontcolor"])); // 147.75 ≤ 170

        Assert.Equal("#0000ff", dot.Nodes["resid_0/0"]["fillcolor"]); // 1: full blue
        Assert.Equal("#9999ff", dot.Nodes["resid_0/ε"]["fillcolor"]); // 0.4: 255·0.6 = 153 = 0x99
        Assert.Equal("#000000", dot.Nodes["attn_0/1"]["fontcolor"]); // 0.3: (178.5, 178.5, 255) → 186.8 > 170

        Assert.Equal("diamond", dot.Nodes["y"]["shape"]);
        foreach (var absent in new[] { "embed/1", "attn_0/3", "resid_0/3", "resid_0/2" }) Assert.False(dot.Nodes.ContainsKey(absent), absent);
    }

    [Fact]
    public void ColoursScaleByTheLargestEffectOfTheWholeCircuitEvenWhenItIsNotDrawn()
    {
        var circuit = HandCircuits.Sum();
        circuit.Site("attn_0").Effects.Span[3] = -2f; // not drawn with --positive-only, but sets the scale
        var dot = DotText.Parse(CircuitPlot.ToDot(circuit, new PlotOptions { PositiveOnly = true }));
        Assert.False(dot.Nodes.ContainsKey("attn_0/3"));
        Assert.False(dot.Nodes.ContainsKey("attn_0/2")); // −0.6
        // embed/0 = 0.5 of 2: x = 0.25, 255·0.75 = 191.25 → 191 = 0xbf; luminance 0.886·191 + 29.07 = 198.3 → black
        Assert.Equal(("#bfbfff", "#000000"), (dot.Nodes["embed/0"]["fillcolor"], dot.Nodes["embed/0"]["fontcolor"]));
        // resid_0/0 = 1 of 2: 127.5 → 128
        Assert.Equal("#8080ff", dot.Nodes["resid_0/0"]["fillcolor"]);
    }

    [Fact]
    public void EdgesAreBlueOrRedAndAsWideAsTheirWeightTimesThePen()
    {
        var dot = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), new PlotOptions { PenThickness = 2 }));
        Assert.Equal(HandCircuits.SumEdges.Select(e => (e.Source, e.Target)).Order(), dot.Edges.Select(e => (e.From, e.To)).Order());

        var edges = dot.Edges.ToDictionary(e => (e.From, e.To), e => e.Attributes);
        Assert.Equal(("blue", "1"), (edges[("embed/0", "attn_0/2")]["color"], edges[("embed/0", "attn_0/2")]["penwidth"])); // 0.5 × 2
        Assert.Equal(("red", "1"), (edges[("attn_0/1", "resid_0/ε")]["color"], edges[("attn_0/1", "resid_0/ε")]["penwidth"])); // −0.5 × 2
        Assert.Equal(("red", "0.4"), (edges[("embed/ε", "attn_0/1")]["color"], edges[("embed/ε", "attn_0/1")]["penwidth"])); // −0.2 × 2
        Assert.Equal(("blue", "2"), (edges[("resid_0/0", "y")]["color"], edges[("resid_0/0", "y")]["penwidth"])); // 1 × 2
    }

    [Fact]
    public void EdgesRunFromTheTopOfTheSourceToTheBottomOfTheTarget()
    {
        var dot = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), Defaults));
        foreach (var (from, to, attributes) in dot.Edges)
        {
            // "e,tip p0 p1 p2 p3": one cubic Bézier (3n + 1 points), then the arrow up to the tip.
            var parts = attributes["pos"].Split(' ');
            Assert.StartsWith("e,", parts[0]);
            var points = parts.Skip(1).Select(Point).ToList();
            Assert.Equal(4, points.Count);
            var tip = Point(parts[0][2..]);
            double sourceTop = dot.Position(from).Y + Inches(dot.Nodes[from]["height"]) * 36;
            double targetHeight = Inches(dot.Nodes[to]["height"]) * 72;
            var (targetX, targetY) = dot.Position(to);
            // Graphviz draws a triangle in the lower three quarters of its box, so its base is h/4 below the centre;
            // a diamond's lower sides rise from the bottom vertex to the corners at half width.
            double targetBottom = dot.Nodes[to]["shape"] switch
            {
                "triangle" => targetY - targetHeight / 4,
                "diamond" => targetY - targetHeight / 2 * (1 - Math.Abs(tip.X - targetX) / (Inches(dot.Nodes[to]["width"]) * 36)),
                _ => targetY - targetHeight / 2,
            };
            Assert.Equal(sourceTop, points[0].Y, 1);
            Assert.Equal(targetBottom, tip.Y, 1);
            Assert.Equal(tip.Y - 5, points[3].Y, 1); // a 0.5 arrowsize arrow is 5 points long
            Assert.Equal(tip.X, points[3].X, 1); // and vertical
        }

        static (double X, double Y) Point(string text)
        {
            var xy = text.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            return (xy[0], xy[1]);
        }

        static double Inches(string text) => double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void PlotThresholdsOverrideTheCircuitsOwn()
    {
        // T_N 0.5 (strict): embed/ε 0.75, attn_0/2 −0.6, resid_0/0 1; embed/0 = 0.5 fails. T_E 0.3: only resid_0/0 → y.
        var dot = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), new PlotOptions { NodeThreshold = 0.5, EdgeThreshold = 0.3 }));
        Assert.Equal(["attn_0/2", "embed/ε", "resid_0/0", "y"], dot.Nodes.Keys.Where(k => !k.Contains(':')).Order());
        Assert.Equal([("resid_0/0", "y")], dot.Edges.Select(e => (e.From, e.To)));
    }

    [Fact]
    public void RowsGoFromTheFirstSiteAtTheBottomToYAtTheTop()
    {
        var dot = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), Defaults));
        double embed = dot.Position("embed/0").Y, attn = dot.Position("attn_0/2").Y, resid = dot.Position("resid_0/0").Y, y = dot.Position("y").Y;
        Assert.True(embed < attn && attn < resid && resid < y, $"rows at {embed}, {attn}, {resid}, {y}");
        Assert.Equal(dot.Position("embed/ε").Y, embed);
        Assert.Equal(embed, dot.Position("row:embed").Y);
        Assert.Equal("resid_0", dot.Nodes["row:resid_0"]["label"]);
        Assert.True(dot.Position("row:resid_0").X < dot.Nodes.Keys.Where(k => !k.StartsWith("row:")).Min(k => dot.Position(k).X));
    }

    [Fact]
    public void PositionalCircuitsHaveAColumnPerTokenWithTheTokenUnderneath()
    {
        var dot = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Positional(), Defaults));
        Assert.Equal(["The", "keys", "are"], Enumerable.Range(0, 3).Select(p => dot.Nodes[$"token:{p}"]["label"]));
        double x0 = dot.Position("token:0").X, x1 = dot.Position("token:1").X, x2 = dot.Position("token:2").X;
        Assert.True(x0 < x1 && x1 < x2);
        // Nodes alone in their cell sit on their column's centre.
        Assert.Equal(x0, dot.Position("0, embed/0").X);
        Assert.Equal(x1, dot.Position("1, embed/1").X);
        Assert.Equal(x1, dot.Position("1, resid_0/0").X);
        Assert.Equal(x2, dot.Position("2, resid_0/3").X);
        Assert.Equal(x2, dot.Position("y").X); // y sits over the last position
        Assert.True(dot.Position("token:0").Y < dot.Position("0, embed/0").Y);
        Assert.Equal("triangle", dot.Nodes["2, embed/ε"]["shape"]);
        Assert.Equal("embed/ε", DotText.Unescape(dot.Nodes["2, embed/ε"]["label"])); // the column shows the position
        Assert.Equal(HandCircuits.PositionalEdges.Select(e => (e.Source, e.Target)).Order(),
            dot.Edges.Where(e => !e.From.StartsWith("separator:")).Select(e => (e.From, e.To)).Order());
    }

    [Fact]
    public void LabelsComeFromAnnotationsThenTheCircuitAndLongOnesTakeTwoLines()
    {
        var plain = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), Defaults));
        Assert.Equal(("plural subject", "1.5"), (plain.Nodes["embed/0"]["label"], plain.Nodes["embed/0"]["width"])); // 14 chars: 1.4 + 0.1
        Assert.Equal(("attn_0/2", "0.9"), (plain.Nodes["attn_0/2"]["label"], plain.Nodes["attn_0/2"]["width"])); // 8 chars

        var annotated = DotText.Parse(CircuitPlot.ToDot(HandCircuits.Sum(), new PlotOptions
        {
            Annotations = new Dictionary<string, string> { ["embed/0"] = "promotes singular verb forms", ["attn_0/2"] = "say \"hi\" \\ now" },
        }));
        // 28 characters > 20: split at the space nearest the middle; the longer line has 17 characters.
        Assert.Equal("promotes singular\nverb forms", DotText.Unescape(annotated.Nodes["embed/0"]["label"]));
        Assert.Equal("1.8", annotated.Nodes["embed/0"]["width"]);
        Assert.Equal("say \\\"hi\\\" \\\\ now", annotated.Nodes["attn_0/2"]["label"]); // escaped in the DOT text
        Assert.Equal("say \"hi\" \\ now", DotText.Unescape(annotated.Nodes["attn_0/2"]["label"]));
    }

    [Fact]
    public void LabelSplitting()
    {
        Assert.Equal(["resid_10/12345678901"], NodeLabels.Lines("resid_10/12345678901")); // exactly 20
        Assert.Equal(["mlp_in_10/", "12345678901"], NodeLabels.Lines("mlp_in_10/12345678901")); // 21, no spaces
        Assert.Equal(["end of singular NP,", "promotes singular verbs"], NodeLabels.Lines("end of singular NP, promotes singular verbs"));
        Assert.Equal(0.1 * 23 + 0.1, NodeLabels.Width(["end of singular NP,", "promotes singular verbs"]), 12);
    }

    [Fact]
    public void DotQuotingKeepsTextFromChangingTheGraph()
    {
        Assert.Equal("\"a \\\"b\\\" c\\\\\"", DotWriter.Quote("a \"b\" c\\"));
        Assert.Equal("\"one\\ntwo\"", DotWriter.Quote("one\ntwo"));
        Assert.Equal("\"one\\ntwo\"", DotWriter.Quote("one\r\ntwo"));
        Assert.Equal("\"a b\"", DotWriter.Quote("a\tb"));
        Assert.Equal("\"x]; evil -> y [\"", DotWriter.Quote("x]; evil -> y ["));
    }

    [GraphvizFact]
    public void SvgParsesAsXmlAndShowsTheLabels()
    {
        using var dir = new TempFolder();
        var path = dir.File("circuit.svg");
        var options = new PlotOptions { Annotations = new Dictionary<string, string> { ["attn_0/2"] = "say \"hi\" \\ now" } };
        CircuitPlot.Render(HandCircuits.Sum(), options, path);
        var svg = XDocument.Load(path);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToHashSet();
        foreach (var label in new[] { "plural subject", "say \"hi\" \\ now", "attn_0/1", "embed/ε", "resid_0/0", "resid_0/ε", "y", "embed", "attn_0", "resid_0" })
            Assert.Contains(label, texts);
        Assert.DoesNotContain("embed/1", texts);
        Assert.Equal(["circuit.svg"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [GraphvizFact]
    public void PngStartsWithThePngSignature()
    {
        using var dir = new TempFolder();
        var path = dir.File("circuit.png");
        CircuitPlot.Render(HandCircuits.Positional(), Defaults, path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, File.ReadAllBytes(path)[..8]);
    }

    [GraphvizFact]
    public void AFailedGraphvizRunLeavesNoFile()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SfcInputException>(() => Graphviz.Render("digraph { a -> ", PlotFormat.Svg, dir.File("broken.svg")));
        Assert.Contains("broken.svg", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void MissingGraphvizIsAClearInputError()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SfcInputException>(() => Graphviz.Render(CircuitPlot.ToDot(HandCircuits.Sum(), Defaults), PlotFormat.Png, dir.File("c.png"), searchPath: ""));
        Assert.Equal("sfc plot needs Graphviz: apt-get install graphviz", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void UnsupportedExtensionsAreRefusedAndDotNeedsNoGraphviz()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<SfcInputException>(() => CircuitPlot.Render(HandCircuits.Sum(), Defaults, dir.File("c.jpg")));
        Assert.Contains(".jpg", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));

        CircuitPlot.Render(HandCircuits.Sum(), Defaults, dir.File("c.dot"));
        Assert.StartsWith("digraph ", File.ReadAllText(dir.File("c.dot")));
    }

    [Fact]
    public void CommandWritesDotAndReportsWhatItDrew()
    {
        using var dir = new TempFolder();
        var circuit = dir.File("c.json");
        CircuitWriter.Write(HandCircuits.Sum(), circuit);
        var (code, output) = Invoke("plot", circuit, "-o", dir.File("c.gv"), "--node-threshold", "0.5");
        Assert.Equal(0, code);
        Assert.Contains("3 nodes, 1 edges", output); // as in PlotThresholdsOverrideTheCircuitsOwn, with T_E 0.125
        var dot = DotText.Parse(File.ReadAllText(dir.File("c.gv")));
        Assert.Equal([("resid_0/0", "y")], dot.Edges.Select(e => (e.From, e.To)));

        Invoke("plot", circuit, "-o", dir.File("c.txt"), "--dot", "--pen-thickness", "3", "--positive-only");
        var positive = DotText.Parse(File.ReadAllText(dir.File("c.txt")));
        Assert.False(positive.Nodes.ContainsKey("attn_0/2"));
        Assert.Equal("3", positive.Edges.Single(e => e.From == "resid_0/0").Attributes["penwidth"]);
    }

    [Fact]
    public void CommandRefusesAnUnsupportedOutputNamingTheFlag()
    {
        using var dir = new TempFolder();
        var circuit = dir.File("c.json");
        CircuitWriter.Write(HandCircuits.Sum(), circuit);
        var e = Assert.Throws<SfcInputException>(() => Invoke("plot", circuit, "-o", dir.File("c.jpeg")));
        Assert.StartsWith("-o ", e.Message);
        Assert.Throws<SfcInputException>(() => Invoke("plot", circuit, "-o", dir.File("c.svg"), "--pen-thickness", "-1"));
        Assert.False(File.Exists(dir.File("c.jpeg")));
    }

    [GraphvizFact]
    public void CommandRendersSvgWithAnnotations()
    {
        using var dir = new TempFolder();
        var circuit = dir.File("c.json");
        CircuitWriter.Write(HandCircuits.Positional(), circuit);
        var annotations = dir.File("labels.jsonl");
        File.WriteAllLines(annotations,
        [
            "{\"Component\": \"resid\", \"Name\": \"resid_0/3\", \"Annotation\": \"promotes plural verbs\", \"Notes\": \"\"}",
            "",
            "{\"Name\": \"embed/0\", \"Annotation\": \"the\"}",
        ]);
        var (code, _) = Invoke("plot", circuit, "-o", dir.File("c.svg"), "--annotations", annotations);
        Assert.Equal(0, code);
        var texts = XDocument.Load(dir.File("c.svg")).Descendants(XName.Get("text", "http://www.w3.org/2000/svg")).Select(t => t.Value).ToList();
        // 21 characters: split at the space nearest the middle (index 10): spaces at 8 and 15, so after "promotes".
        Assert.Contains("promotes", texts);
        Assert.Contains("plural verbs", texts);
        Assert.Contains("the", texts);
        Assert.Contains("keys", texts);
    }

    [Fact]
    public void AnnotationFilesAreReadLineByLineWithClearErrors()
    {
        using var dir = new TempFolder();
        var path = dir.Write("a.jsonl", "{\"Name\": \"resid_5/3036\", \"Annotation\": \"first\"}\n{\"Name\": \"resid_5/3036\", \"Annotation\": \"second\"}\n"u8.ToArray());
        Assert.Equal("second", FeatureAnnotations.Read(path)["resid_5/3036"]);

        var broken = dir.Write("b.jsonl", "{\"Name\": \"a/1\", \"Annotation\": \"x\"}\n{\"Name\": \n"u8.ToArray());
        Assert.Contains("line 2", Assert.Throws<SfcInputException>(() => FeatureAnnotations.Read(broken)).Message);
        var nameless = dir.Write("c.jsonl", "{\"Annotation\": \"x\"}\n"u8.ToArray());
        Assert.Contains("\"Name\"", Assert.Throws<SfcInputException>(() => FeatureAnnotations.Read(nameless)).Message);
        Assert.Throws<SfcInputException>(() => FeatureAnnotations.Read(dir.File("absent.jsonl")));
    }

    /// <summary>The paper's annotation file: algorithm.md §11 quotes resid_5/3036 = "promotes singular verb forms";
    /// the file has 278 entries for 277 names (attn_5/25516 appears twice), counted with Python's json module.</summary>
    [SharedFact]
    public void ThePapersAnnotationFileReads()
    {
        var annotations = FeatureAnnotations.Read(Paths.SharedPath("data", "sva", "pythia-70m-deduped.annotations.jsonl"));
        Assert.Equal("promotes singular verb forms", annotations["resid_5/3036"]);
        Assert.Equal(277, annotations.Count);
    }

    private static (int Code, string Output) Invoke(params string[] args)
    {
        var root = new RootCommand("test") { Sfc.Commands.PlotCommand.Create() };
        var parse = root.Parse(args);
        Assert.Empty(parse.Errors);
        var output = new StringWriter();
        int code = parse.Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        return (code, output.ToString());
    }
}
