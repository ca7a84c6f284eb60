using System.Globalization;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>The node thresholds a faithfulness sweep visits: by default the reference's <c>logspace(−4, 0, 15)</c>.</summary>
public static class EvaluationThresholds
{
    /// <summary>1e-4·10^(4k/14) for k = 0..14.</summary>
    public static IReadOnlyList<double> Default { get; } = Logspace(-4, 0, 15);

    /// <summary><paramref name="count"/> values 10^e, e evenly spaced from <paramref name="startExponent"/> to
    /// <paramref name="stopExponent"/> inclusive (numpy's logspace).</summary>
    public static double[] Logspace(double startExponent, double stopExponent, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count == 1) return [Math.Pow(10, startExponent)];
        double step = (stopExponent - startExponent) / (count - 1);
        return Enumerable.Range(0, count).Select(k => Math.Pow(10, startExponent + k * step)).ToArray();
    }

    /// <summary>A comma-separated list such as "0.001,0.01,0.1": finite, non-negative, at least one.</summary>
    public static double[] Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new SfcInputException($"--thresholds: '{parts[i]}' is not a number (expected a comma-separated list such as 0.001,0.01,0.1)");
            if (values[i] < 0) throw new SfcInputException($"--thresholds: {parts[i]} is negative (thresholds compare against |effect|)");
        }
        return values;
    }
}
