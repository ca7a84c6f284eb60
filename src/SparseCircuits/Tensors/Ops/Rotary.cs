using System.Collections.Concurrent;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>Which dimensions of a head form the rotated pairs.</summary>
public enum RotaryStyle
{
    /// <summary>Pair (i, i + rotaryDim/2): GPT-NeoX / Pythia and Hugging Face Llama (<c>rotate_half</c>).</summary>
    RotateHalf,

    /// <summary>Pair (2i, 2i + 1): llama2.c, GPT-J (<c>rotate_every_two</c>).</summary>
    AdjacentPairs,
}

/// <summary>
/// Rotary position embeddings on the first <c>rotaryDim</c> dimensions of every head of a [B, S, H, D] tensor (the
/// other dimensions pass through). Pair i at position t is rotated by the angle t·θ^(−2i/rotaryDim). The angles are
/// formed in float32 exactly as Hugging Face does (inverse frequencies and position × frequency rounded to float32),
/// then cos and sin are taken in float64 and rounded, so results agree with PyTorch's to an ulp even at large positions.
/// </summary>
public static class Rotary
{
    private static readonly ConcurrentDictionary<(int RotaryDim, float Theta), RotaryTable> Tables = new();

    /// <summary>Rotates x [B, S, H, D] at positions <paramref name="positionOffset"/> + 0..S−1.</summary>
    public static Tensor Apply(Tensor x, int rotaryDim, double theta = 10000, RotaryStyle style = RotaryStyle.RotateHalf,
        int positionOffset = 0)
    {
        if (x.Rank != 4) throw new ArgumentException($"Rotary: input {x} must be [B, S, heads, D].");
        int s = x.Dim(1), heads = x.Dim(2), d = x.Dim(3);
        if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > d)
            throw new ArgumentOutOfRangeException(nameof(rotaryDim), $"Rotary dimension {rotaryDim} must be even and within the head size {d}.");
        if (positionOffset < 0) throw new ArgumentOutOfRangeException(nameof(positionOffset), $"Position offset {positionOffset} is negative.");
        if (!(theta > 0)) throw new ArgumentOutOfRangeException(nameof(theta), $"Rotary base {theta} must be positive.");
        var table = Table(rotaryDim, theta, positionOffset + s);
        var y = Tensor.Empty(x.ShapeArray);
        Rotate(x.Read(), y.Span, table, style, s, heads, d, positionOffset, inverse: false);
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            // The rotation is orthogonal: its VJP is the rotation by the opposite angle.
            var gx = ctx.Buffer(x).Span;
            int n = x.Length;
            for (int k = 0; k < ctx.K; k++)
                Rotate(g.Read().Slice(k * n, n), gx.Slice(k * n, n), table, style, s, heads, d, positionOffset, inverse: true);
        });
    }

    /// <summary>The cos/sin table for at least <paramref name="positions"/> positions (cached; grown by doubling).</summary>
    internal static RotaryTable Table(int rotaryDim, double theta, int positions)
    {
        var key = (rotaryDim, (float)theta); // Hugging Face raises a float32 base to float32 exponents
        if (Tables.TryGetValue(key, out var t) && t.Positions >= positions) return t;
        int grown = t is null ? 0 : (int)Math.Min(2L * t.Positions, int.MaxValue / rotaryDim);
        int capacity = Math.Max(positions, Math.Max(64, grown));
        var fresh = RotaryTable.Build(rotaryDim, key.Item2, capacity);
        return Tables.AddOrUpdate(key, fresh, (_, old) => old.Positions >= fresh.Positions ? old : fresh);
    }

    /// <summary>
    /// dst = R·src (or, with <paramref name="inverse"/>, dst += Rᵀ·src for the backward pass) row by row; rows are
    /// [S·heads] per batch, row r at position offset + r / heads.
    /// </summary>
    private static void Rotate(ReadOnlySpan<float> src, Span<float> dst, RotaryTable table, RotaryStyle style,
        int s, int heads, int d, int offset, bool inverse)
    {
        int half = table.Half, rows = src.Length / Math.Max(1, d);
        float sign = inverse ? -1f : 1f;
        var cosAll = table.Cos;
        var sinAll = table.Sin;
        for (int r = 0; r < rows; r++)
        {
            int pos = offset + r / heads % s;
            var cos = cosAll.AsSpan(pos * half, half);
            var sin = sinAll.AsSpan(pos * half, half);
            var x = src.Slice(r * d, d);
            var y = dst.Slice(r * d, d);
            for (int i = 0; i < half; i++)
            {
                int a = style == RotaryStyle.RotateHalf ? i : 2 * i;
                int b = style == RotaryStyle.RotateHalf ? i + half : 2 * i + 1;
                float c = cos[i], sn = sign * sin[i], x1 = x[a], x2 = x[b];
                // Same float32 operations as x·cos + rotate(x)·sin in PyTorch.
                float y1 = x1 * c - x2 * sn, y2 = x2 * c + x1 * sn;
                if (inverse)
                {
                    y[a] += y1;
                    y[b] += y2;
                }
                else
                {
                    y[a] = y1;
                    y[b] = y2;
                }
            }
            int rd = 2 * half;
            if (inverse) System.Numerics.Tensors.TensorPrimitives.Add(y[rd..], x[rd..], y[rd..]);
            else x[rd..].CopyTo(y[rd..]);
        }
    }
}

/// <summary>cos and sin of the rotary angles, [Positions, Half] row-major.</summary>
internal sealed record RotaryTable(int Half, int Positions, float[] Cos, float[] Sin)
{
    public static RotaryTable Build(int rotaryDim, float theta, int positions)
    {
        int half = rotaryDim / 2;
        var invFreq = new float[half];
        for (int i = 0; i < half; i++)
        {
            // HF: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all in float32 (pow correctly rounded here; torch's
            // vectorised pow is within an ulp of it).
            float exponent = (float)(2 * i) / rotaryDim;
            invFreq[i] = 1f / (float)Math.Pow(theta, exponent);
        }
        var cos = new float[(long)positions * half];
        var sin = new float[cos.Length];
        for (int t = 0; t < positions; t++)
        for (int i = 0; i < half; i++)
        {
            float angle = t * invFreq[i]; // float32 product, as HF's outer(t, inv_freq)
            cos[t * half + i] = (float)Math.Cos(angle);
            sin[t * half + i] = (float)Math.Sin(angle);
        }
        return new RotaryTable(half, positions, cos, sin);
    }
}
