using System.Globalization;

namespace SparseCircuits.Circuits.Plotting;

/// <summary>
/// Node colours of the reference plots (algorithm §11): x = effect / max |effect|; positive effects run from white
/// to blue (255(1−x), 255(1−x), 255), negative ones from white to red (255, 255(1+x), 255(1+x)). Text is black on
/// light fills (0.299R + 0.587G + 0.114B > 170), white on dark ones. Channels are rounded to the nearest integer.
/// </summary>
public static class EffectColors
{
    public static (int R, int G, int B) Fill(double effect, double maxAbsEffect)
    {
        double x = maxAbsEffect > 0 ? Math.Clamp(effect / maxAbsEffect, -1, 1) : 0;
        if (double.IsNaN(x)) x = 0;
        int faded = Channel(255 * (1 - Math.Abs(x)));
        return x >= 0 ? (faded, faded, 255) : (255, faded, faded);
    }

    public static string FillHex(double effect, double maxAbsEffect) => Hex(Fill(effect, maxAbsEffect));

    public static string FontHex(double effect, double maxAbsEffect)
    {
        var (r, g, b) = Fill(effect, maxAbsEffect);
        return 0.299 * r + 0.587 * g + 0.114 * b > 170 ? "#000000" : "#ffffff";
    }

    public static string Hex((int R, int G, int B) color) =>
        string.Create(CultureInfo.InvariantCulture, $"#{color.R:x2}{color.G:x2}{color.B:x2}");

    private static int Channel(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);
}
