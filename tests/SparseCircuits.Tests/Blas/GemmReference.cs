namespace SparseCircuits.Tests.Blas;

/// <summary>
/// A GEMM operand laid out as a sub-matrix view: <see cref="Rows"/>×<see cref="Cols"/> values at row stride
/// <see cref="Ld"/>, starting <see cref="Offset"/> floats into <see cref="Storage"/>; the storage around the view
/// holds sentinel values that must survive untouched.
/// </summary>
internal sealed record MatrixView(float[] Storage, int Offset, int Rows, int Cols, int Ld)
{
    public const float Sentinel = -7777f;

    public float this[int r, int c] => Storage[Offset + r * Ld + c];

    public Span<float> Span => Storage.AsSpan(Offset);

    /// <summary>A view with <paramref name="pad"/> extra columns per row and a leading offset; values uniform in
    /// [-1, 1), padding set to <see cref="Sentinel"/>.</summary>
    public static MatrixView Random(Random rng, int rows, int cols, int pad)
    {
        int ld = Math.Max(cols + pad, 1), offset = pad == 0 ? 0 : 3;
        var storage = new float[offset + (rows == 0 ? 0 : (rows - 1) * ld + cols) + pad];
        Array.Fill(storage, Sentinel);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) storage[offset + r * ld + c] = (float)(rng.NextDouble() * 2 - 1);
        }

        return new MatrixView(storage, offset, rows, cols, ld);
    }

    public MatrixView Copy() => this with { Storage = (float[])Storage.Clone() };

    /// <summary>True when every float outside the view still holds <see cref="Sentinel"/>.</summary>
    public bool PaddingIntact()
    {
        for (int i = 0; i < Storage.Length; i++)
        {
            int rel = i - Offset;
            bool inside = rel >= 0 && rel / Ld < Rows && rel % Ld < Cols;
            if (!inside && Storage[i] != Sentinel) return false;
        }

        return true;
    }
}

/// <summary>Independent references for GEMM tests: a naive triple loop in float64.</summary>
internal static class GemmReference
{
    /// <summary>alpha·op(A)·op(B) + beta·C0 in float64, row-major m×n. Follows BLAS: when alpha is 0 the product is
    /// not formed, when beta is 0 C0 is not read.</summary>
    public static double[,] Multiply(bool transA, bool transB, int m, int n, int k, double alpha,
        MatrixView a, MatrixView b, double beta, MatrixView c0)
    {
        // op(A) and op(B) copied out first, so the triple loop runs over flat arrays in i-p-j order.
        var opA = new double[m * k];
        var opB = new double[k * n];
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++) opA[i * k + p] = transA ? a[p, i] : a[i, p];
        }

        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++) opB[p * n + j] = transB ? b[j, p] : b[p, j];
        }

        var result = new double[m, n];
        var row = new double[n];
        for (int i = 0; i < m; i++)
        {
            Array.Clear(row);
            if (alpha != 0)
            {
                for (int p = 0; p < k; p++)
                {
                    double av = opA[i * k + p];
                    int offset = p * n;
                    for (int j = 0; j < n; j++) row[j] += av * opB[offset + j];
                }
            }

            for (int j = 0; j < n; j++) result[i, j] = alpha * row[j] + (beta == 0 ? 0 : beta * c0[i, j]);
        }

        return result;
    }

    /// <summary>max |actual − expected| / max |expected| (or the plain max error when expected is all zero).</summary>
    public static double RelativeError(MatrixView actual, double[,] expected)
    {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                double diff = Math.Abs(actual[i, j] - expected[i, j]);
                maxErr = double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(maxErr, diff);
                maxRef = Math.Max(maxRef, Math.Abs(expected[i, j]));
            }
        }

        return maxRef == 0 ? maxErr : maxErr / maxRef;
    }

    /// <summary>max |x − y| / max |y| over two views of equal shape.</summary>
    public static double RelativeError(MatrixView x, MatrixView y)
    {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < y.Rows; i++)
        {
            for (int j = 0; j < y.Cols; j++)
            {
                double diff = Math.Abs((double)x[i, j] - y[i, j]);
                maxErr = double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(maxErr, diff);
                maxRef = Math.Max(maxRef, Math.Abs(y[i, j]));
            }
        }

        return maxRef == 0 ? maxErr : maxErr / maxRef;
    }
}
