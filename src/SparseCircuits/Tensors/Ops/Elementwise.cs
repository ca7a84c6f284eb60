using System.Numerics.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Element-wise binary arithmetic with the broadcasts the models need: equal shapes; the right operand's shape a
/// suffix of the left's (repeated over leading dimensions, e.g. a bias); or one value per row of the left operand
/// (shape = left shape with the last dimension dropped or set to 1, e.g. a norm scale).
/// </summary>
public static class Elementwise
{
    private enum Op { Add, Sub, Mul, Div }

    /// <summary>How the right operand is laid over the left.</summary>
    private enum Broadcast { Same, Leading, PerRow }

    public static Tensor Add(Tensor a, Tensor b) => Binary(Op.Add, a, b);

    public static Tensor Sub(Tensor a, Tensor b) => Binary(Op.Sub, a, b);

    public static Tensor Mul(Tensor a, Tensor b) => Binary(Op.Mul, a, b);

    public static Tensor Div(Tensor a, Tensor b) => Binary(Op.Div, a, b);

    /// <summary>x · s.</summary>
    public static Tensor Scale(Tensor x, float s)
    {
        var y = Tensor.Empty(x.ShapeArray);
        TensorPrimitives.Multiply(x.Read(), s, y.Span);
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            TensorPrimitives.MultiplyAdd(g.Read(), s, gx, gx);
        });
    }

    /// <summary>x + s.</summary>
    public static Tensor AddScalar(Tensor x, float s)
    {
        var y = Tensor.Empty(x.ShapeArray);
        TensorPrimitives.Add(x.Read(), s, y.Span);
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) => ctx.Accumulate(x, g));
    }

    public static Tensor Neg(Tensor x) => Scale(x, -1f);

    private static Tensor Binary(Op op, Tensor a, Tensor b)
    {
        if ((op == Op.Add || op == Op.Mul) && b.Length > a.Length) (a, b) = (b, a);
        var kind = Classify(a, b);
        var y = Tensor.Empty(a.ShapeArray);
        Forward(op, kind, a.Read(), b.Read(), y.Span, b.Length);
        if (!Tape.ShouldRecord(a, b)) return y;
        return Tape.Attach(y, new[] { a, b }, (ctx, g) => Backward(ctx, op, kind, a, b, y, g));
    }

    private static Broadcast Classify(Tensor a, Tensor b)
    {
        if (a.SameShape(b)) return Broadcast.Same;
        var sa = a.Shape;
        var sb = b.Shape;
        if (sb.Length <= sa.Length && sa[(sa.Length - sb.Length)..].SequenceEqual(sb)) return Broadcast.Leading;
        if (sa.Length > 0)
        {
            var rowsShape = sa[..^1];
            if (sb.SequenceEqual(rowsShape)) return Broadcast.PerRow;
            if (sb.Length == sa.Length && sb[^1] == 1 && sb[..^1].SequenceEqual(rowsShape)) return Broadcast.PerRow;
        }
        throw new ArgumentException($"Cannot broadcast {b} over {a}.");
    }

    private static void Forward(Op op, Broadcast kind, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int bLength)
    {
        switch (kind)
        {
            case Broadcast.Same:
                Apply(op, a, b, y);
                break;
            case Broadcast.Leading:
                for (int off = 0; off < a.Length; off += bLength)
                    Apply(op, a.Slice(off, bLength), b, y.Slice(off, bLength));
                break;
            case Broadcast.PerRow:
                int cols = a.Length / Math.Max(1, bLength);
                for (int r = 0; r < bLength; r++)
                    ApplyScalar(op, a.Slice(r * cols, cols), b[r], y.Slice(r * cols, cols));
                break;
        }
    }

    private static void Apply(Op op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (op)
        {
            case Op.Add: TensorPrimitives.Add(a, b, y); break;
            case Op.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case Op.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case Op.Div: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void ApplyScalar(Op op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        switch (op)
        {
            case Op.Add: TensorPrimitives.Add(a, b, y); break;
            case Op.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case Op.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case Op.Div: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void Backward(BackwardContext ctx, Op op, Broadcast kind, Tensor a, Tensor b, Tensor y, Tensor g)
    {
        int n = a.Length;
        var gs = g.Read();
        // Results match computing each product or quotient into a temporary and then adding: MultiplyAdd rounds the
        // product before the add (it is not fused), and a − g is exactly a + (−g).
        if (ctx.Needs(a))
        {
            var ga = ctx.Buffer(a).Span;
            for (int k = 0; k < ctx.K; k++)
            {
                var gk = gs.Slice(k * n, n);
                var gak = ga.Slice(k * n, n);
                switch (op)
                {
                    case Op.Add:
                    case Op.Sub:
                        TensorPrimitives.Add(gak, gk, gak);
                        break;
                    case Op.Mul:
                        // ∂(a·b)/∂a = b, laid over the gradient as b is over a.
                        MultiplyAddBroadcast(kind, gk, b.Read(), gak);
                        break;
                    case Op.Div:
                        // ∂(a/b)/∂a = 1/b: the same broadcast division applied to the gradient.
                        using (var tmp = PooledFloats.Rent(n))
                        {
                            Forward(Op.Div, kind, gk, b.Read(), tmp.Span, b.Length);
                            TensorPrimitives.Add(gak, tmp.Span, gak);
                        }
                        break;
                }
            }
        }
        if (!ctx.Needs(b)) return;
        var gb = ctx.Buffer(b).Span;
        for (int k = 0; k < ctx.K; k++)
        {
            var gk = gs.Slice(k * n, n);
            var target = gb.Slice(k * b.Length, b.Length);
            switch (op)
            {
                case Op.Add:
                    ReduceInto(kind, gk, target, subtract: false);
                    break;
                case Op.Sub:
                    ReduceInto(kind, gk, target, subtract: true);
                    break;
                case Op.Mul when kind != Broadcast.PerRow:
                    // Σ over the broadcast copies of g·a, accumulated copy by copy.
                    for (int off = 0; off < n; off += b.Length)
                        TensorPrimitives.MultiplyAdd(gk.Slice(off, b.Length), a.Read().Slice(off, b.Length), target, target);
                    break;
                default:
                    // Mul per row (a row sum of g·a) and Div (∂(a/b)/∂b = −(a/b)/b = −y/b) go through a pooled temporary.
                    using (var full = PooledFloats.Rent(n))
                    {
                        var f = full.Span;
                        TensorPrimitives.Multiply(gk, op == Op.Mul ? a.Read() : y.Read(), f);
                        if (op == Op.Div)
                        {
                            Forward(Op.Div, kind, f, b.Read(), f, b.Length);
                            TensorPrimitives.Negate(f, f);
                        }
                        ReduceInto(kind, f, target, subtract: false);
                    }
                    break;
            }
        }
    }

    /// <summary>target += g ⊙ b with b laid over g as the right operand is over the left.</summary>
    private static void MultiplyAddBroadcast(Broadcast kind, ReadOnlySpan<float> g, ReadOnlySpan<float> b, Span<float> target)
    {
        switch (kind)
        {
            case Broadcast.Same:
                TensorPrimitives.MultiplyAdd(g, b, target, target);
                break;
            case Broadcast.Leading:
                for (int off = 0; off < g.Length; off += b.Length)
                {
                    var t = target.Slice(off, b.Length);
                    TensorPrimitives.MultiplyAdd(g.Slice(off, b.Length), b, t, t);
                }
                break;
            case Broadcast.PerRow:
                int cols = g.Length / Math.Max(1, b.Length);
                for (int r = 0; r < b.Length; r++)
                {
                    var t = target.Slice(r * cols, cols);
                    TensorPrimitives.MultiplyAdd(g.Slice(r * cols, cols), b[r], t, t);
                }
                break;
        }
    }

    /// <summary>Adds (or subtracts) a left-shaped gradient summed down to the right operand's shape.</summary>
    private static void ReduceInto(Broadcast kind, ReadOnlySpan<float> full, Span<float> target, bool subtract)
    {
        switch (kind)
        {
            case Broadcast.Same:
                AddOrSubtract(target, full, subtract);
                break;
            case Broadcast.Leading:
                for (int off = 0; off < full.Length; off += target.Length)
                    AddOrSubtract(target, full.Slice(off, target.Length), subtract);
                break;
            case Broadcast.PerRow:
                int cols = full.Length / Math.Max(1, target.Length);
                for (int r = 0; r < target.Length; r++)
                {
                    float sum = TensorPrimitives.Sum(full.Slice(r * cols, cols));
                    target[r] += subtract ? -sum : sum;
                }
                break;
        }
    }

    private static void AddOrSubtract(Span<float> target, ReadOnlySpan<float> x, bool subtract)
    {
        if (subtract) TensorPrimitives.Subtract(target, x, target);
        else TensorPrimitives.Add(target, x, target);
    }
}
