using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Tensors.Ops;

/// <summary>
/// Activation functions of transformer MLPs and sparse dictionaries. The element-wise ones run split across cores and
/// compute their derivative only in backward (from the saved input), so inference keeps nothing.
/// </summary>
public static class Activations
{
    private const float SqrtTwoOverPi = 0.7978845608028654f;
    private const float TanhCubic = 0.044715f;

    // Rough scalar operations per element, for deciding when to use more than one core.
    private const int GeluCost = 64, GeluTanhCost = 24, SiluCost = 16;

    /// <summary>Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (PyTorch nn.GELU(), Hugging Face "gelu"). Computed in float64
    /// lanes, so it is correctly rounded (within half an ulp) also for negative x, where the erf form cancels.</summary>
    public static Tensor Gelu(Tensor x) => Pointwise(x, Map<GeluFunction>, Map<GeluDerivativeFunction>, GeluCost);

    /// <summary>Tanh-approximated GELU, ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (Hugging Face "gelu_new",
    /// "gelu_pytorch_tanh", "gelu_fast"), evaluated as the identical x·σ(2√(2/π)(x + 0.044715x³)).</summary>
    public static Tensor GeluTanh(Tensor x) => Pointwise(x, GeluTanhForward, GeluTanhDerivative, GeluTanhCost);

    /// <summary>SiLU (swish), x·σ(x).</summary>
    public static Tensor Silu(Tensor x) => Pointwise(x, SiluForward, SiluDerivative, SiluCost);

    /// <summary>max(x, 0); the derivative at 0 is taken as 0 (PyTorch's convention).</summary>
    public static Tensor Relu(Tensor x) => Pointwise(x, (s, d) => TensorPrimitives.Max(s, 0f, d), StepDerivative, cost: 2);

    /// <summary>
    /// JumpReLU with one threshold θ per feature (last dimension, <paramref name="threshold"/> of shape [F]):
    /// y = x·1[x &gt; θ]. The gradient with respect to x is 1[x &gt; θ]; none flows to θ (its true derivative is a Dirac
    /// delta; training code that learns θ uses a straight-through estimator of its own). SAELens and Gemma Scope apply
    /// ReLU after the gate (identical whenever θ ≥ 0); callers with negative thresholds compose <see cref="Relu"/>.
    /// </summary>
    public static Tensor JumpRelu(Tensor x, Tensor threshold)
    {
        int f = x.Columns, rows = x.Rows;
        if (threshold.Length != f || threshold.Rank > 1)
            throw new ArgumentException($"JumpReLU threshold {threshold} must have shape [{f}] to match {x}.");
        var y = Tensor.Empty(x.ShapeArray);
        var xs = x.Storage;
        var theta = threshold.Storage;
        var ys = y.Storage;
        Parallelism.ForRange(rows, 2L * f, (start, end) =>
        {
            for (int r = start; r < end; r++)
                Gate(xs.Span.Slice(r * f, f), theta.Span, xs.Span.Slice(r * f, f), ys.Span.Slice(r * f, f), accumulate: false);
        });
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Storage;
            var gs = g.Storage;
            Parallelism.ForRange(ctx.K * rows, 3L * f, (start, end) =>
            {
                for (int kr = start; kr < end; kr++)
                {
                    int r = kr % rows;
                    Gate(xs.Span.Slice(r * f, f), theta.Span, gs.Span.Slice(kr * f, f), gx.Span.Slice(kr * f, f), accumulate: true);
                }
            });
        });
    }

    /// <summary>
    /// Keeps the <paramref name="k"/> largest values of each row (last dimension) and zeroes the rest; among equal
    /// values the lower index wins. The gradient flows only through the kept entries. No ReLU is applied: TopK SAEs
    /// that want non-negative codes compose <see cref="Relu"/>.
    /// </summary>
    public static Tensor TopK(Tensor x, int k)
    {
        int f = x.Columns, rows = x.Rows;
        if (k < 0 || k > f) throw new ArgumentOutOfRangeException(nameof(k), $"TopK k = {k} for rows of {f} values.");
        var kept = new int[rows * k];
        var xs = x.Storage;
        var y = Tensor.Zeros(x.ShapeArray);
        var ys = y.Storage;
        Parallelism.ForRange(rows, (long)f * 2, (start, end) =>
        {
            var row = xs.Span;
            var dst = ys.Span;
            for (int r = start; r < end; r++)
            {
                var idx = kept.AsSpan(r * k, k);
                SelectLargest(row.Slice(r * f, f), idx);
                foreach (int j in idx) dst[r * f + j] = row[r * f + j];
            }
        });
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            var gx = ctx.Buffer(x).Span;
            var gs = g.Read();
            int n = x.Length;
            for (int s = 0; s < ctx.K; s++)
            for (int r = 0; r < rows; r++)
                foreach (int j in kept.AsSpan(r * k, k))
                    gx[s * n + r * f + j] += gs[s * n + r * f + j];
        });
    }

    /// <summary>The activation a Hugging Face config names (<c>hidden_act</c> / <c>activation_function</c>).</summary>
    /// <exception cref="SfcInputException">The name is not one this library implements.</exception>
    public static Func<Tensor, Tensor> ByName(string hfActivationName) => hfActivationName.Trim().ToLowerInvariant() switch
    {
        "gelu" or "gelu_python" => Gelu,
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => GeluTanh,
        "silu" or "swish" => Silu,
        "relu" => Relu,
        _ => throw new SfcInputException(
            $"Unknown activation function '{hfActivationName}' in the model config; supported: gelu, gelu_python, gelu_new, " +
            "gelu_pytorch_tanh, gelu_fast, silu, swish, relu."),
    };

    /// <summary>Applies the activation a Hugging Face config names; see <see cref="ByName"/>.</summary>
    public static Tensor ApplyByName(string hfActivationName, Tensor x) => ByName(hfActivationName)(x);

    // ---- element-wise plumbing ----

    private delegate void SpanMap(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = f(x) element-wise, across cores; backward multiplies the seeds by f'(x), computed once for all K.</summary>
    private static Tensor Pointwise(Tensor x, SpanMap forward, SpanMap derivative, int cost)
    {
        var y = Tensor.Empty(x.ShapeArray);
        Run(forward, x.Storage, y.Storage, cost);
        if (!Tape.ShouldRecord(x)) return y;
        return Tape.Attach(y, new[] { x }, (ctx, g) =>
        {
            int n = x.Length, kCount = ctx.K;
            var slope = new float[n];
            Run(derivative, x.Storage, slope, cost);
            var gx = ctx.Buffer(x).Storage;
            var gs = g.Storage;
            Parallelism.ForRange(n, 3L * kCount, (start, end) =>
            {
                var d = slope.AsSpan(start, end - start);
                for (int s = 0; s < kCount; s++)
                {
                    var target = gx.Span.Slice(s * n + start, end - start);
                    TensorPrimitives.MultiplyAdd(gs.Span.Slice(s * n + start, end - start), d, target, target);
                }
            });
        });
    }

    private static void Run(SpanMap map, ReadOnlyMemory<float> x, Memory<float> y, int cost) =>
        Parallelism.ForRange(x.Length, cost, (start, end) => map(x.Span[start..end], y.Span[start..end]));

    // Forward kernels into a given output, for benchmarks that separate the arithmetic from allocating the result.
    internal static void GeluInto(ReadOnlyMemory<float> x, Memory<float> y) => Run(Map<GeluFunction>, x, y, GeluCost);

    internal static void GeluTanhInto(ReadOnlyMemory<float> x, Memory<float> y) => Run(GeluTanhForward, x, y, GeluTanhCost);

    internal static void SiluInto(ReadOnlyMemory<float> x, Memory<float> y) => Run(SiluForward, x, y, SiluCost);

    private static void Map<F>(ReadOnlySpan<float> x, Span<float> y) where F : IFloat64Function => Float64Lanes.Map<F>(x, y);

    /// <summary>Element-wise work goes through L1-sized blocks so that chains of TensorPrimitives calls stay in cache.</summary>
    private const int Block = 1024;

    private readonly struct GeluFunction : IFloat64Function
    {
        public static Vector<double> Apply(Vector<double> x) => x * ErrorFunction.NormalCdfCore(x, out _);
    }

    /// <summary>d/dx x·Φ(x) = Φ(x) + x·φ(x).</summary>
    private readonly struct GeluDerivativeFunction : IFloat64Function
    {
        public static Vector<double> Apply(Vector<double> x)
        {
            var cdf = ErrorFunction.NormalCdfCore(x, out var e);
            return Vector.FusedMultiplyAdd(x, ErrorFunction.Density(e), cdf);
        }
    }

    private static void GeluTanhForward(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> t = stackalloc float[Block];
        for (int off = 0; off < x.Length; off += Block)
        {
            int n = Math.Min(Block, x.Length - off);
            var xb = x.Slice(off, n);
            var tb = t[..n];
            TensorPrimitives.Multiply(xb, 2 * SqrtTwoOverPi * TanhCubic, tb);
            TensorPrimitives.MultiplyAdd(tb, xb, 2 * SqrtTwoOverPi, tb);
            TensorPrimitives.Multiply(tb, xb, tb); // 2u, u = √(2/π)(x + 0.044715x³)
            TensorPrimitives.Sigmoid(tb, tb); // σ(2u) = ½(1 + tanh u)
            TensorPrimitives.Multiply(xb, tb, y.Slice(off, n));
        }
    }

    /// <summary>d/dx x·σ(2u) = s + x·s(1 − s)·2u', s = σ(2u), 2u' = 2√(2/π)(1 + 3·0.044715x²).</summary>
    private static void GeluTanhDerivative(ReadOnlySpan<float> x, Span<float> d)
    {
        Span<float> buffer = stackalloc float[2 * Block];
        for (int off = 0; off < x.Length; off += Block)
        {
            int n = Math.Min(Block, x.Length - off);
            var xb = x.Slice(off, n);
            var s = buffer.Slice(0, n);
            var slope = buffer.Slice(Block, n);
            TensorPrimitives.Multiply(xb, 2 * SqrtTwoOverPi * TanhCubic, s);
            TensorPrimitives.MultiplyAdd(s, xb, 2 * SqrtTwoOverPi, s);
            TensorPrimitives.Multiply(s, xb, s);
            TensorPrimitives.Sigmoid(s, s);
            TensorPrimitives.Multiply(xb, 6 * SqrtTwoOverPi * TanhCubic, slope);
            TensorPrimitives.MultiplyAdd(slope, xb, 2 * SqrtTwoOverPi, slope);
            TensorPrimitives.Multiply(slope, xb, slope); // x·2u'
            var db = d.Slice(off, n);
            TensorPrimitives.Subtract(1f, s, db);
            TensorPrimitives.Multiply(db, s, db);
            TensorPrimitives.MultiplyAdd(db, slope, s, db);
        }
    }

    private static void SiluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        Span<float> t = stackalloc float[Block];
        for (int off = 0; off < x.Length; off += Block)
        {
            int n = Math.Min(Block, x.Length - off);
            TensorPrimitives.Sigmoid(x.Slice(off, n), t[..n]);
            TensorPrimitives.Multiply(x.Slice(off, n), t[..n], y.Slice(off, n));
        }
    }

    /// <summary>d/dx x·σ(x) = σ + x·σ(1 − σ) = σ·(1 + x(1 − σ)).</summary>
    private static void SiluDerivative(ReadOnlySpan<float> x, Span<float> d)
    {
        Span<float> buffer = stackalloc float[2 * Block];
        for (int off = 0; off < x.Length; off += Block)
        {
            int n = Math.Min(Block, x.Length - off);
            var xb = x.Slice(off, n);
            var s = buffer.Slice(0, n);
            var tmp = buffer.Slice(Block, n);
            TensorPrimitives.Sigmoid(xb, s);
            TensorPrimitives.Subtract(1f, s, tmp);
            TensorPrimitives.Multiply(tmp, xb, tmp);
            TensorPrimitives.MultiplyAdd(tmp, s, s, d.Slice(off, n));
        }
    }

    /// <summary>1[x &gt; 0].</summary>
    private static void StepDerivative(ReadOnlySpan<float> x, Span<float> d)
    {
        int width = Vector<float>.Count, i = 0;
        ref float src = ref MemoryMarshal.GetReference(x);
        ref float dst = ref MemoryMarshal.GetReference(d);
        for (; i <= x.Length - width; i += width)
        {
            var v = Vector.LoadUnsafe(ref src, (nuint)i);
            Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero).StoreUnsafe(ref dst, (nuint)i);
        }
        for (; i < x.Length; i++) d[i] = x[i] > 0 ? 1f : 0f;
    }

    /// <summary>dst (+)= value where x &gt; θ, else (+)0: the JumpReLU forward (value = x) and backward (value = g).</summary>
    private static void Gate(ReadOnlySpan<float> x, ReadOnlySpan<float> theta, ReadOnlySpan<float> value, Span<float> dst, bool accumulate)
    {
        int width = Vector<float>.Count, i = 0;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float tr = ref MemoryMarshal.GetReference(theta);
        ref float vr = ref MemoryMarshal.GetReference(value);
        ref float dr = ref MemoryMarshal.GetReference(dst);
        for (; i <= x.Length - width; i += width)
        {
            var open = Vector.GreaterThan(Vector.LoadUnsafe(ref xr, (nuint)i), Vector.LoadUnsafe(ref tr, (nuint)i));
            var v = Vector.ConditionalSelect(open, Vector.LoadUnsafe(ref vr, (nuint)i), Vector<float>.Zero);
            if (accumulate) v += Vector.LoadUnsafe(ref dr, (nuint)i);
            v.StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < x.Length; i++)
        {
            float v = x[i] > theta[i] ? value[i] : 0f;
            dst[i] = accumulate ? dst[i] + v : v;
        }
    }

    /// <summary>
    /// Indices of the <c>kept.Length</c> largest values of <paramref name="row"/> (lower index first among equals),
    /// by a min-heap of the current best whose root is the weakest kept entry. Indices arrive in increasing order, so
    /// a newcomer displaces the root only when strictly larger.
    /// </summary>
    private static void SelectLargest(ReadOnlySpan<float> row, Span<int> kept)
    {
        int k = kept.Length;
        if (k == 0) return;
        for (int i = 0; i < k; i++)
        {
            kept[i] = i;
            SiftUp(row, kept, i);
        }
        for (int i = k; i < row.Length; i++)
        {
            if (!(row[i] > row[kept[0]])) continue;
            kept[0] = i;
            SiftDown(row, kept, 0);
        }
    }

    /// <summary>True when entry a is a weaker choice than entry b (smaller, or equal with a higher index).</summary>
    private static bool Weaker(ReadOnlySpan<float> row, int a, int b) => row[a] < row[b] || (row[a] == row[b] && a > b);

    private static void SiftUp(ReadOnlySpan<float> row, Span<int> heap, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Weaker(row, heap[i], heap[parent])) return;
            (heap[i], heap[parent]) = (heap[parent], heap[i]);
            i = parent;
        }
    }

    private static void SiftDown(ReadOnlySpan<float> row, Span<int> heap, int i)
    {
        while (true)
        {
            int left = 2 * i + 1, weakest = i;
            if (left < heap.Length && Weaker(row, heap[left], heap[weakest])) weakest = left;
            if (left + 1 < heap.Length && Weaker(row, heap[left + 1], heap[weakest])) weakest = left + 1;
            if (weakest == i) return;
            (heap[i], heap[weakest]) = (heap[weakest], heap[i]);
            i = weakest;
        }
    }
}
