using SparseCircuits.Circuits.Attribution;
using SparseCircuits.Circuits.Attribution.Edges;
using SparseCircuits.Dictionaries;
using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tests.Circuits.Attribution;

/// <summary>
/// The forward side of an edge check, using no gradient at all: re-run the edge type's block on the clean batch with
/// U's activation at one (example, position) moved by t·v, optionally holding the edge type's stop sites at their clean
/// values (the forward counterpart of stopping their gradients: the U → stop → D paths are cut), and read one
/// downstream node's quantity, a feature activation d_i[b, p] or ⟨w, e_D[b, p]⟩ for the error node.
/// </summary>
internal sealed class EdgeIntervention(Transformer model, DictionarySet dictionaries, BatchActivations clean, EdgeType type, bool holdStops)
{
    /// <summary>The quantity, and D's active features at that row (a changed set means a ReLU kink was crossed).</summary>
    public readonly record struct Reading(double Value, int[] ActiveFeatures);

    private IFeatureDictionary Down => dictionaries[type.Downstream];

    public Reading Read(int example, int upPosition, ReadOnlySpan<float> direction, double t, int downPosition, int index, ReadOnlySpan<float> errorWeights)
    {
        var up = type.Upstream;
        var x = clean.At(up).Clone();
        int s = x.Dim(1), d = x.Dim(2);
        var row = x.Span.Slice((example * s + upPosition) * d, d);
        for (int k = 0; k < d; k++) row[k] = (float)(row[k] + t * direction[k]);

        var hooks = new ForwardHooks();
        bool inBlock = up.Kind is SiteKind.Attn or SiteKind.Mlp;
        if (inBlock) hooks.Replace(up.Name, _ => x);
        if (holdStops)
            foreach (var stop in type.Stops)
            {
                var held = clean.At(stop);
                hooks.Replace(stop.Name, _ => held);
            }
        Tensor? y = null;
        hooks.Read(type.Downstream.Name, v => y = v);
        using var _ = Tape.NoGrad();
        model.Block(type.Layer, inBlock ? clean.BlockInput(type.Layer) : x, hooks);

        var features = Down.Encode(y!);
        int f = Down.Width, r = example * s + downPosition;
        var fr = features.Span.Slice(r * f, f).ToArray();
        var active = Enumerable.Range(0, f).Where(i => fr[i] > 0).ToArray();
        if (index < f) return new Reading(fr[index], active);
        var reconstruction = Down.Decode(features).Span.Slice(r * d, d);
        var yr = y!.Span.Slice(r * d, d);
        double value = 0;
        for (int k = 0; k < d; k++) value += (double)errorWeights[k] * (yr[k] - reconstruction[k]);
        return new Reading(value, active);
    }

    /// <summary>
    /// d(quantity)/dt at t = 0 by the fourth-order central difference (f(−2h), f(−h), f(h), f(2h)); h is shrunk by 4
    /// until D's active features are the same at every point as at t = 0, so the stencil never straddles a ReLU kink
    /// (where the one-sided derivatives differ). Returns the step used too; null if no step down to h0/4⁴ is kink-free.
    /// </summary>
    public (double Derivative, double Step)? Derivative(int example, int upPosition, float[] direction, double h0, int downPosition, int index, float[] errorWeights)
    {
        var basePattern = Read(example, upPosition, direction, 0, downPosition, index, errorWeights).ActiveFeatures;
        double h = h0;
        for (int attempt = 0; attempt < 5; attempt++, h /= 4)
        {
            var points = new[] { -2, -1, 1, 2 }.Select(m => Read(example, upPosition, direction, m * h, downPosition, index, errorWeights)).ToArray();
            if (points.Any(p => !p.ActiveFeatures.AsSpan().SequenceEqual(basePattern))) continue;
            double derivative = (8 * (points[2].Value - points[1].Value) - (points[3].Value - points[0].Value)) / (12 * h);
            return (derivative, h);
        }
        return null;
    }
}
