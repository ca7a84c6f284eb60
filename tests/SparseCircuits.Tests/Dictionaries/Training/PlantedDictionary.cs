using SparseCircuits.Tensors;

namespace SparseCircuits.Tests.Dictionaries.Training;

/// <summary>
/// Synthetic activations with a known sparse structure: <see cref="Atoms"/> random unit directions in d dimensions, and
/// rows x = Σ c_a·atom_a where each atom is present independently with probability <c>meanActive / atoms</c> and its
/// coefficient is uniform in [0.5, 1.5]. A trainer that works recovers the atoms as decoder rows.
/// </summary>
internal sealed class PlantedDictionary
{
    public PlantedDictionary(int dim, int atoms, int rows, double meanActive, int seed)
    {
        var rng = new Random(seed);
        Atoms = Tensor.RandomNormal(rng, 1f, atoms, dim);
        for (int a = 0; a < atoms; a++)
        {
            var row = Atoms.Span.Slice(a * dim, dim);
            double norm = 0;
            foreach (var v in row) norm += (double)v * v;
            for (int j = 0; j < dim; j++) row[j] = (float)(row[j] / Math.Sqrt(norm));
        }
        Rows = Tensor.Zeros(rows, dim);
        for (int r = 0; r < rows; r++)
        {
            var x = Rows.Span.Slice(r * dim, dim);
            for (int a = 0; a < atoms; a++)
            {
                if (rng.NextDouble() >= meanActive / atoms) continue;
                float c = (float)(0.5 + rng.NextDouble());
                var atom = Atoms.Span.Slice(a * dim, dim);
                for (int j = 0; j < dim; j++) x[j] += c * atom[j];
            }
        }
    }

    /// <summary>The planted directions [atoms, d], unit norm.</summary>
    public Tensor Atoms { get; }

    /// <summary>The data [rows, d].</summary>
    public Tensor Rows { get; }

    /// <summary>How many atoms have a decoder row (of [F, d]) at cosine ≥ <paramref name="cosine"/>.</summary>
    public int Matched(Tensor decoder, double cosine)
    {
        int d = Atoms.Columns, matched = 0;
        for (int a = 0; a < Atoms.Rows; a++)
        {
            var atom = Atoms.Span.Slice(a * d, d);
            double best = double.NegativeInfinity;
            for (int f = 0; f < decoder.Rows; f++)
            {
                var row = decoder.Span.Slice(f * d, d);
                double dot = 0, norm = 0;
                for (int j = 0; j < d; j++)
                {
                    dot += (double)atom[j] * row[j];
                    norm += (double)row[j] * row[j];
                }
                if (norm > 0) best = Math.Max(best, dot / Math.Sqrt(norm));
            }
            if (best >= cosine) matched++;
        }
        return matched;
    }
}
