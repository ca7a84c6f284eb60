using System.Numerics.Tensors;
using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tests.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// Edges by intervention (issue 5, DESIGN §8): nudging an upstream unit by t changes a downstream node's quantity by t
/// times the edge's Jacobian entry, to first order, for every edge type of sequential (GPT-2, Llama) and parallel
/// (GPT-NeoX) blocks, with feature and error nodes at both ends. The library's side is the backward pass of
/// <see cref="EdgeAttribution"/> with its stop-gradients; the other side uses forward passes only
/// (<see cref="EdgeIntervention"/>, which holds the stop sites at their clean values instead).
/// </summary>
public sealed class EdgesByInterventionTests(ITestOutputHelper output)
{
    /// <summary>Downstream feature nodes checked per edge type (plus the error node with the largest |IE|).</summary>
    private const int DownstreamFeatures = 2;

    /// <summary>
    /// Allowed |finite difference − library| as a fraction of the largest Jacobian entry checked for the downstream
    /// node. The 4th-order stencil with ‖h·v‖ = 1% of the activation row has truncation error far below this; what
    /// remains is float32 rounding of the forward quantity (about 1e-7 of it) divided by h: about 1e-5 of the scale at
    /// the first step, and up to 256× more when the step was shrunk 4 times to stay clear of a ReLU kink (observed at
    /// most 7e-4 on the fixtures). A wrong path, position or stop-gradient shows up as 0.2 or more.
    /// </summary>
    private const double Tolerance = 2e-3;

    /// <summary>Where a cut path exists, holding the stop sites must change the derivative by more than this (observed ≥ 0.24).</summary>
    private const double CutPathEffect = 0.05;

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void EveryEdgeTypeEqualsTheDownstreamChangeOfAnUpstreamNudge(string arch)
    {
        var model = AttributionFixture.Model(arch);
        var dicts = AttributionFixture.Dictionaries(arch, model);
        var batch = ExampleBatches.Split(AttributionFixture.Examples(arch), 4)[0];
        var nodes = NodeAttributor.Attribute(model, dicts, batch, new AttributionOptions { Steps = 10 });
        var clean = BatchActivations.Capture(model, TokenBatch.Stack(batch.CleanIds), dicts.Sites);
        var types = EdgeType.ForModel(model.Config);
        Assert.Equal(model.Config.Layers * (model.Config.ParallelResidual ? 5 : 6), types.Count);

        var failures = new List<string>();
        foreach (var type in types)
        {
            var check = CheckEdgeType(model, dicts, clean, nodes, type);
            output.WriteLine($"{type.Key}: {check.Entries} entries ({check.NonzeroEdges} nonzero edges), worst Jacobian {check.WorstJacobian:G3}, "
                + $"worst edge {check.WorstEdge:G3}, without holding the stops {check.FreeGap:G3}");
            failures.AddRange(check.Failures);
            if (check.Entries < 5 || check.NonzeroEdges == 0) failures.Add($"{type.Key}: only {check.Entries} entries ({check.NonzeroEdges} nonzero edges) checked");
            if (check.WorstJacobian > Tolerance) failures.Add($"{type.Key}: Jacobian off by {check.WorstJacobian:G3} of its scale");
            if (check.WorstEdge > Tolerance) failures.Add($"{type.Key}: edge weight off by {check.WorstEdge:G3} of its scale");
            if (type.Stops.Count == 0) continue;
            // A stop matters when a U → stop → D path exists: always for resid → resid; in sequential blocks also attn → mlp
            // → resid and resid → attn → mlp. In parallel blocks mlp does not read attn, so holding it must change nothing.
            bool cutPathExists = type.Stops.Count == 2 || !model.Config.ParallelResidual;
            if (cutPathExists && check.FreeGap < CutPathEffect) failures.Add($"{type.Key}: holding {string.Join(", ", type.Stops)} changed only {check.FreeGap:G3}");
            if (!cutPathExists && check.FreeGap > Tolerance) failures.Add($"{type.Key}: holding {string.Join(", ", type.Stops)} changed {check.FreeGap:G3} though no path is cut");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    private sealed record TypeCheck(int Entries, int NonzeroEdges, double WorstJacobian, double WorstEdge, double FreeGap, List<string> Failures);

    private static TypeCheck CheckEdgeType(Transformer model, DictionarySet dicts, BatchActivations clean, BatchAttribution nodes, EdgeType type)
    {
        var failures = new List<string>();
        var upNode = nodes.Sites[type.Upstream];
        var downNode = nodes.Sites[type.Downstream];
        var upDict = dicts[type.Upstream];
        int s = upNode.Delta.Length, fu = upDict.Width, fd = dicts[type.Downstream].Width, d = upDict.OutputDim, rows = upNode.Delta.Batch * s;
        var down = DownstreamNodes(downNode, upNode.Delta);
        Assert.Contains(down, n => n.Index == fd);

        // The library's side: the stored edge weights, and the raw Jacobian rows from unit seeds (ḡ_D,i = 1 on d_i; the
        // error node keeps its seed ḡ_e, so its "entry" is the derivative of ⟨ḡ_e, e_D⟩).
        var edges = EdgeAttribution.Compute(model, dicts, clean, type, upNode, downNode, down);
        var unitSeeds = downNode with { FeatureGradient = Enumerable.Repeat(1f, downNode.FeatureGradient!.Length).ToArray() };
        var atUp = EdgeAttribution.UpstreamGradients(model, dicts[type.Downstream], clean, type, unitSeeds, down).ToArray();

        var held = new EdgeIntervention(model, dicts, clean, type, holdStops: true);
        var free = new EdgeIntervention(model, dicts, clean, type, holdStops: false);
        var decoder = upDict.DecoderWeight.ToArray();
        var upDelta = upNode.Delta.FeatureDelta();
        var upErrorDelta = upNode.Delta.ErrorDelta().ToArray();
        var xu = clean.At(type.Upstream).ToArray();
        double worstJacobian = 0, worstEdge = 0, freeGap = 0;
        int entries = 0, nonzeroEdges = 0;
        for (int n = 0; n < down.Count; n++)
        {
            var node = down[n];
            int b = node.Example, p = node.Position;
            var g = new ArraySegment<float>(atUp, (n * rows + b * s) * d, s * d); // ∂(quantity)/∂x_U in this node's example, [S, d]
            var errorWeights = downNode.ErrorGradient!.Span.Slice((b * s + p) * d, d).ToArray();
            double downSeed = node.Index == fd ? 1 : SupportValue(downNode.Delta.Support, downNode.FeatureGradient!, b * s + p, node.Index);
            var stored = edges[n].Upstream;
            var units = UpstreamUnits(p, s, fu, g, decoder, d, stored);
            var jacobians = units.Select(u => Dot(g.AsSpan(u.Q * d, d), Direction(b * s + u.Q, u.J))).ToList();
            double scale = jacobians.Max(Math.Abs);
            for (int e = 0; e < units.Count; e++)
            {
                var (q, j) = units[e];
                double jacobian = jacobians[e];
                string at = $"{type.Key} ({b},{p},{node.Index}) <- ({q},{j})";
                if (q > p && jacobian != 0) failures.Add($"{at}: {jacobian} from a later position");
                if (type.Stops.Count == 2 && q != p && jacobian != 0) failures.Add($"{at}: {jacobian} off the skip connection");
                var direction = Direction(b * s + q, j).ToArray();
                double norm = Math.Sqrt(TensorPrimitives.SumOfSquares(direction));
                if (norm == 0) continue; // Δε_U = 0 at this position: nothing to nudge along, and both sides are 0
                double h0 = 1e-2 * Math.Max(Math.Sqrt(TensorPrimitives.SumOfSquares(xu.AsSpan((b * s + q) * d, d))), 1e-3) / norm;
                if (held.Derivative(b, q, direction, h0, p, node.Index, errorWeights) is not { } measured)
                {
                    failures.Add($"{at}: no kink-free step");
                    continue;
                }
                entries++;
                worstJacobian = Math.Max(worstJacobian, Math.Abs(measured.Derivative - jacobian) / scale);

                // The stored edge weight is ḡ_D,i × this Jacobian entry × the upstream change (Δf_j; 1 along Δε_U).
                double upChange = j < fu ? SupportValue(upNode.Delta.Support, upDelta, b * s + q, j) : 1;
                double weight = stored[q * (fu + 1) + j];
                if (weight != 0) nonzeroEdges++;
                double edgeScale = Math.Abs(downSeed * upChange) * scale;
                if (edgeScale > 0) worstEdge = Math.Max(worstEdge, Math.Abs(downSeed * measured.Derivative * upChange - weight) / edgeScale);
                else if (weight != 0) failures.Add($"{at}: weight {weight} where ḡ·Δ = 0");

                if (type.Stops.Count > 0 && free.Derivative(b, q, direction, h0, p, node.Index, errorWeights) is { } unheld)
                    freeGap = Math.Max(freeGap, Math.Abs(unheld.Derivative - jacobian) / scale);
            }
        }
        return new TypeCheck(entries, nonzeroEdges, worstJacobian, worstEdge, freeGap, failures);

        // Upstream feature j moves x_U[row] along its decoder row; the upstream error node along Δε_U[row].
        ReadOnlySpan<float> Direction(int row, int j) => j < fu ? decoder.AsSpan(j * d, d) : upErrorDelta.AsSpan(row * d, d);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += (double)a[k] * b[k];
        return sum;
    }

    /// <summary>
    /// Upstream units to check against one downstream node at position p: at positions p, p−1 and p+1 (later, where all
    /// must be 0) the feature with the largest raw Jacobian entry, the feature with the largest stored edge weight and the
    /// error node (index F); and the largest stored edge weight anywhere in the node's block.
    /// </summary>
    private static List<(int Q, int J)> UpstreamUnits(int p, int s, int fu, ArraySegment<float> grad, float[] decoder, int d, float[] stored)
    {
        var units = new List<(int Q, int J)>();
        foreach (int q in new[] { p, p - 1, p + 1 }.Where(q => q >= 0 && q < s))
        {
            var gq = grad.AsSpan(q * d, d);
            int byJacobian = 0;
            double best = -1;
            for (int j = 0; j < fu; j++)
            {
                double v = Math.Abs(Dot(gq, decoder.AsSpan(j * d, d)));
                if (v > best) (best, byJacobian) = (v, j);
            }
            units.Add((q, byJacobian));
            int byEdge = Enumerable.Range(0, fu).MaxBy(j => Math.Abs(stored[q * (fu + 1) + j]));
            if (stored[q * (fu + 1) + byEdge] != 0) units.Add((q, byEdge));
            units.Add((q, fu));
        }
        int top = Enumerable.Range(0, stored.Length).MaxBy(i => Math.Abs(stored[i]));
        if (stored[top] != 0) units.Add((top / (fu + 1), top % (fu + 1)));
        return units.Distinct().ToList();
    }

    /// <summary>
    /// Downstream nodes to seed: the feature nodes with the largest |IE| that are active on the clean input (else d_i's
    /// Jacobian is 0) at a position with an earlier one, one more at a position where U changes if none is (so that the
    /// same-position-only edge types have nonzero weights to check), and the error node with the largest |IE|.
    /// </summary>
    private static List<ActiveNode> DownstreamNodes(NodeAttribution node, SiteDelta upstream)
    {
        var effects = node.Effects.Span;
        var support = node.Delta.Support;
        int s = node.Delta.Length, f = node.FeatureCount, rows = node.Delta.Batch * s;
        var features = new List<ActiveNode>();
        ActiveNode? error = null;
        for (int r = 0; r < rows; r++)
        {
            if (r % s == 0) continue;
            var idx = support.IndicesOf(r);
            for (int e = 0; e < idx.Length; e++)
                if (node.Delta.CleanFeatures[support.RowStart[r] + e] > 0)
                    features.Add(new ActiveNode(r / s, r % s, idx[e], effects[r * (f + 1) + idx[e]]));
            float err = effects[r * (f + 1) + f];
            if (error is null || Math.Abs(err) > Math.Abs(error.Value.Effect)) error = new ActiveNode(r / s, r % s, f, err);
        }
        var ranked = features.OrderByDescending(n => Math.Abs(n.Effect)).ToList();
        var chosen = ranked.Take(DownstreamFeatures).ToList();
        var changed = upstream.FeatureDelta().Select(v => v != 0).ToArray();
        var errorDelta = upstream.ErrorDelta().ToArray();
        int d = errorDelta.Length / rows;
        bool Changes(ActiveNode n)
        {
            int r = n.Example * s + n.Position;
            return Enumerable.Range(upstream.Support.RowStart[r], upstream.Support.IndicesOf(r).Length).Any(e => changed[e])
                || errorDelta.AsSpan(r * d, d).ContainsAnyExcept(0f);
        }
        if (!chosen.Any(Changes) && ranked.FirstOrDefault(Changes) is { Effect: not 0 } extra) chosen.Add(extra);
        chosen.Add(error!.Value);
        return chosen;
    }

    /// <summary>A per-support-entry value (ḡ_f or Δf) of <paramref name="feature"/> at <paramref name="row"/>; 0 off the support.</summary>
    private static double SupportValue(SparseCodes support, float[] values, int row, int feature)
    {
        int at = support.IndicesOf(row).IndexOf(feature);
        return at < 0 ? 0 : values[support.RowStart[row] + at];
    }
}
