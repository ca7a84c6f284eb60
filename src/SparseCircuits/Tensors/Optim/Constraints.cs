using System.Numerics.Tensors;

namespace SparseCircuits.Tensors.Optim;

/// <summary>Parameter constraints and gradient projections used when training dictionaries.</summary>
public static class Constraints
{
    /// <summary>Rescales every row of a [rows, d] matrix to unit L2 norm (rows of zero norm are left alone).</summary>
    public static void NormalizeRows(Tensor matrix)
    {
        int d = matrix.Columns, rows = matrix.Rows;
        Parallelism.For(rows, d, r =>
        {
            var row = matrix.Span.Slice(r * d, d);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
        });
    }

    /// <summary>
    /// Removes from each gradient row its component along the (unit-norm) parameter row, so that a step keeps rows on
    /// the unit sphere to first order.
    /// </summary>
    public static void RemoveParallelComponentOfRows(Tensor matrix, Tensor gradient)
    {
        int d = matrix.Columns, rows = matrix.Rows;
        Parallelism.For(rows, 2L * d, r =>
        {
            var w = matrix.Span.Slice(r * d, d);
            var g = gradient.Span.Slice(r * d, d);
            float dot = TensorPrimitives.Dot(w, g);
            float nn = TensorPrimitives.Dot(w, w);
            if (nn > 0) TensorPrimitives.MultiplyAdd(w, -dot / nn, g, g);
        });
    }
}
