using System.Numerics.Tensors;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using Tensor = SparseCircuits.Tensors.Tensor;

namespace SparseCircuits.Dictionaries.Splicing;

/// <summary>
/// Splicing a dictionary into a model (algorithm.md §1.5). At a site with activation x the dictionary gives f = enc(x),
/// x̂ = dec(f) and ε = x − x̂, and the model continues with x̂ + ε, which is x. The splice exists for its gradients:
/// <list type="number">
/// <item>the gradient g arriving at the site is recorded as ∂m/∂ε;</item>
/// <item>∂m/∂f_j = W_dec[j]·g, computed only for the tracked features, by sparse row dot products (nothing flows from ε
/// back into x̂, so the two do not cancel);</item>
/// <item>the gradient into x is g itself (straight-through), so everything below the site sees exactly the plain
/// model's gradients.</item>
/// </list>
/// All three are one recorded operation (<see cref="Tape.Attach"/>) whose backward handles K seeds at once.
/// </summary>
public static class Splice
{
    /// <summary>
    /// Splices <paramref name="dictionary"/> at activation <paramref name="x"/> [.., d_out] and returns the activation
    /// the model continues with: x's own values, bit for bit (the same storage), so the forward pass is unchanged.
    /// <paramref name="input"/> is a transcoder's input-site activation [.., d_in] (default: x). The handles receive f,
    /// x̂, ε and, when a tape is recording, the gradient leaves.
    /// </summary>
    public static Tensor Apply(Tensor x, IFeatureDictionary dictionary, SpliceHandles handles, Tensor? input = null)
    {
        var source = Prepare(x, dictionary, input);
        SparseCodes codes;
        Tensor reconstruction, error;
        using (Tape.NoGrad())
        {
            codes = dictionary.EncodeSparse(source);
            reconstruction = dictionary.DecodeSparse(codes, source).View(x.ShapeArray);
            error = Tensor.Empty(x.ShapeArray);
            TensorPrimitives.Subtract(x.Read(), reconstruction.Read(), error.Span);
        }
        var tracked = Track(handles, codes);
        var values = Tensor.FromArray(tracked.Values, tracked.NonZeros);
        if (Tape.Current is null)
        {
            handles.Set(codes, reconstruction, error, tracked, values);
            return x;
        }
        error.RequireGrad();
        values.RequireGrad();
        handles.Set(codes, reconstruction, error, tracked, values);
        var y = new Tensor(x.Storage, x.ShapeArray);
        var inputs = x.RequiresGrad ? new[] { x, error, values } : new[] { error, values };
        return Tape.Attach(y, inputs, (ctx, g) =>
        {
            if (ctx.Needs(x)) ctx.Accumulate(x, g);
            if (ctx.Needs(error)) ctx.Accumulate(error, g);
            if (ctx.Needs(values)) AddFeatureGradients(dictionary, tracked, g, ctx.Buffer(values));
        });
    }

    /// <summary>
    /// The activation dec(<paramref name="features"/>) + <paramref name="error"/> in place of the site's own (e.g. features
    /// interpolated between a clean and a patched run), with the same gradient semantics as <see cref="Apply"/>:
    /// ∂m/∂ε = g (also passed on to <paramref name="error"/> when it carries a gradient) and ∂m/∂f_j = W_dec[j]·g for the
    /// tracked features. <paramref name="features"/> has one row per activation row; <paramref name="input"/> feeds a
    /// skip transcoder's skip term (treated as a constant).
    /// </summary>
    public static Tensor Substitute(IFeatureDictionary dictionary, SparseCodes features, Tensor error, SpliceHandles handles, Tensor? input = null)
    {
        if (error.Columns != dictionary.OutputDim || error.Rows != features.Rows)
            throw new ArgumentException($"Error {error} must have {features.Rows} rows of d_out = {dictionary.OutputDim}.");
        var source = input is null ? null : Prepare(error, dictionary, input);
        Tensor reconstruction, y;
        using (Tape.NoGrad())
        {
            reconstruction = dictionary.DecodeSparse(features, source).View(error.ShapeArray);
            y = Tensor.Empty(error.ShapeArray);
            TensorPrimitives.Add(reconstruction.Read(), error.Read(), y.Span);
        }
        var tracked = Track(handles, features);
        var values = Tensor.FromArray(tracked.Values, tracked.NonZeros);
        var errorLeaf = new Tensor(error.Storage, error.ShapeArray);
        if (Tape.Current is null)
        {
            handles.Set(features, reconstruction, errorLeaf, tracked, values);
            return y;
        }
        errorLeaf.RequireGrad();
        values.RequireGrad();
        handles.Set(features, reconstruction, errorLeaf, tracked, values);
        var inputs = error.RequiresGrad ? new[] { errorLeaf, values, error } : new[] { errorLeaf, values };
        return Tape.Attach(y, inputs, (ctx, g) =>
        {
            if (ctx.Needs(errorLeaf)) ctx.Accumulate(errorLeaf, g);
            if (ctx.Needs(error)) ctx.Accumulate(error, g);
            if (ctx.Needs(values)) AddFeatureGradients(dictionary, tracked, g, ctx.Buffer(values));
        });
    }

    /// <summary>
    /// Forward-only intervention (ablations, evaluation): encodes x, lets <paramref name="editFeatures"/> and
    /// <paramref name="editError"/> change f and ε (either may be null), and returns dec(f′) + ε′, shaped like x. With no
    /// edits this is x̂ + ε, equal to x up to float rounding. Nothing is recorded.
    /// </summary>
    public static Tensor Intervene(Tensor x, IFeatureDictionary dictionary, Func<SparseCodes, SparseCodes>? editFeatures,
        Func<Tensor, Tensor>? editError = null, Tensor? input = null)
    {
        var source = Prepare(x, dictionary, input);
        using var _ = Tape.NoGrad();
        var codes = dictionary.EncodeSparse(source);
        var error = Tensor.Empty(x.ShapeArray);
        TensorPrimitives.Subtract(x.Read(), dictionary.DecodeSparse(codes, source).Read(), error.Span);
        var features = editFeatures?.Invoke(codes) ?? codes;
        if (features.Rows != codes.Rows || features.Width != codes.Width) throw new ArgumentException("Edited features changed shape.");
        if (editError is not null)
        {
            error = editError(error);
            if (!error.SameShape(x)) throw new ArgumentException($"Edited error {error} does not match the activation {x}.");
        }
        var y = dictionary.DecodeSparse(features, source).View(x.ShapeArray);
        TensorPrimitives.Add(y.Span, error.Read(), y.Span);
        return y;
    }

    /// <summary>The encoder's input as rows [N, d_in], after checking shapes.</summary>
    private static Tensor Prepare(Tensor x, IFeatureDictionary dictionary, Tensor? input)
    {
        if (x.Columns != dictionary.OutputDim)
            throw new ArgumentException($"Activation {x} does not end in the dictionary's d_out = {dictionary.OutputDim} ({dictionary.Info.Source}).");
        var source = input ?? x;
        if (source.Columns != dictionary.InputDim || source.Rows != x.Rows)
            throw new ArgumentException($"Dictionary input {source} must have the activation's {x.Rows} rows of d_in = {dictionary.InputDim}.");
        return source.View(source.Rows, source.Columns);
    }

    private static SparseCodes Track(SpliceHandles handles, SparseCodes codes)
    {
        var tracked = handles.Track(codes);
        if (tracked.Rows != codes.Rows || tracked.Width != codes.Width)
            throw new InvalidOperationException($"Tracked features cover {tracked.Rows}×{tracked.Width}, the codes {codes.Rows}×{codes.Width}.");
        return tracked;
    }

    /// <summary>buffer[k, e] += W_dec[j_e]·g[k, row(e)] for every seed k, over (seed, row) pairs in parallel.</summary>
    private static void AddFeatureGradients(IFeatureDictionary dictionary, SparseCodes tracked, Tensor g, Tensor buffer)
    {
        int nnz = tracked.NonZeros;
        if (nnz == 0) return;
        int rows = tracked.Rows, d = dictionary.OutputDim, kCount = g.Dim(0);
        var gs = g.Storage;
        var bs = buffer.Storage;
        bool identity = dictionary is IdentityDictionary;
        var w = identity ? default : dictionary.DecoderWeight.Storage;
        Parallelism.ForRange(kCount * rows, Math.Max(1, (long)(tracked.MeanL0 * d)), (start, end) =>
        {
            var weights = w.Span;
            var grad = gs.Span;
            var result = bs.Span;
            for (int kr = start; kr < end; kr++)
            {
                int k = kr / rows, r = kr % rows;
                var gRow = grad.Slice((k * rows + r) * d, d);
                var idx = tracked.IndicesOf(r);
                var dst = result.Slice(k * nnz + tracked.RowStart[r], idx.Length);
                for (int e = 0; e < idx.Length; e++)
                    dst[e] += identity ? gRow[idx[e]] : TensorPrimitives.Dot(weights.Slice(idx[e] * d, d), gRow);
            }
        });
    }
}
