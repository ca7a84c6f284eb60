using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Gated SAE (SAELens <c>gated</c>, dictionary_learning <c>GatedAutoEncoder</c>): one encoder product p = (x − c)·W_enc
/// feeds a gate and a magnitude path, gate = p + b_gate, mag = p ⊙ exp(r_mag) + b_mag, f = 1[gate &gt; 0]·ReLU(mag).
/// The gate carries no gradient (its derivative is zero almost everywhere).
/// </summary>
public sealed class GatedSae : SparseAutoencoder
{
    public const string KindName = "gated";

    private readonly Tensor gateBias;
    private readonly Tensor magnitudeScale;
    private readonly Tensor magnitudeBias;

    /// <param name="weights">Encoder and decoder; the encoder bias must be null (the paths have their own).</param>
    /// <param name="gateBias">b_gate [F].</param>
    /// <param name="magnitudeLogScale">r_mag [F]: the magnitude path scales the shared product by exp(r_mag).</param>
    /// <param name="magnitudeBias">b_mag [F].</param>
    public GatedSae(DictionaryInfo info, SaeWeights weights, Tensor gateBias, Tensor magnitudeLogScale, Tensor magnitudeBias) : base(info, weights)
    {
        if (weights.EncoderBias is not null) throw new ArgumentException("A gated SAE has no encoder bias; pass b_gate and b_mag.");
        SaeWeights.Require(gateBias, Width, "gate bias");
        SaeWeights.Require(magnitudeLogScale, Width, "magnitude log-scale r_mag");
        SaeWeights.Require(magnitudeBias, Width, "magnitude bias");
        this.gateBias = gateBias;
        this.magnitudeBias = magnitudeBias;
        MagnitudeLogScale = magnitudeLogScale;
        var scale = new float[Width];
        var r = magnitudeLogScale.Read();
        for (int j = 0; j < scale.Length; j++) scale[j] = MathF.Exp(r[j]);
        magnitudeScale = Tensor.FromArray(scale, Width);
    }

    public Tensor GateBias => gateBias;

    public Tensor MagnitudeLogScale { get; }

    public Tensor MagnitudeBias => magnitudeBias;

    /// <summary>An active feature's magnitude path is ReLU(p·exp(r_mag) + b_mag) with the gate open: slope exp(r_mag).</summary>
    public override float ActiveSlope(int feature) => magnitudeScale.Read()[feature];

    protected override Tensor Activate(Tensor p)
    {
        var magnitude = Activations.Relu(Elementwise.Add(Elementwise.Mul(p, magnitudeScale), magnitudeBias));
        Tensor open;
        using (Tape.NoGrad())
        {
            open = Elementwise.Add(p.Detach(), gateBias);
            var s = open.Span;
            for (int i = 0; i < s.Length; i++) s[i] = s[i] > 0f ? 1f : 0f;
        }
        return Elementwise.Mul(magnitude, open);
    }

    protected override int SelectActive(ReadOnlySpan<float> p, Span<int> indices, Span<float> values)
    {
        var bGate = gateBias.Read();
        var scale = magnitudeScale.Read();
        var bMag = magnitudeBias.Read();
        int count = 0;
        for (int j = 0; j < p.Length; j++)
        {
            if (!(p[j] + bGate[j] > 0f)) continue;
            float magnitude = p[j] * scale[j] + bMag[j];
            if (magnitude > 0f)
            {
                indices[count] = j;
                values[count++] = magnitude;
            }
        }
        return count;
    }
}
