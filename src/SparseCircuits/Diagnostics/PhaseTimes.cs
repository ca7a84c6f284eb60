using System.Diagnostics;

namespace SparseCircuits.Diagnostics;

/// <summary>
/// Opt-in wall-clock totals of named algorithm phases (encoding, the IG forward/backward, edge VJPs, contractions, …),
/// for finding where a run spends its time (<c>sfc bench circuit --profile</c>). Off by default, when
/// <see cref="Measure"/> returns a shared no-op and costs nothing. Nested or concurrent phases each count their own
/// wall time.
/// </summary>
public static class PhaseTimes
{
    private static readonly Dictionary<string, (double Seconds, long Calls)> totals = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);

    public static bool Enabled { get; set; }

    /// <summary>Times the phase until the returned scope is disposed.</summary>
    public static IDisposable Measure(string phase) => Enabled ? new Scope(phase) : NoScope.Instance;

    /// <summary>Adds <paramref name="amount"/> to a named counter (work sizes next to the times).</summary>
    public static void Count(string counter, long amount)
    {
        if (!Enabled) return;
        lock (totals) counts[counter] = counts.GetValueOrDefault(counter) + amount;
    }

    /// <summary>The totals so far, by phase name: seconds and number of calls.</summary>
    public static IReadOnlyDictionary<string, (double Seconds, long Calls)> Totals()
    {
        lock (totals) return new Dictionary<string, (double, long)>(totals);
    }

    /// <summary>The counters so far.</summary>
    public static IReadOnlyDictionary<string, long> Counters()
    {
        lock (totals) return new Dictionary<string, long>(counts);
    }

    public static void Reset()
    {
        lock (totals)
        {
            totals.Clear();
            counts.Clear();
        }
    }

    private sealed class Scope(string phase) : IDisposable
    {
        private readonly long start = Stopwatch.GetTimestamp();

        public void Dispose()
        {
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            lock (totals)
            {
                var (s, n) = totals.GetValueOrDefault(phase);
                totals[phase] = (s + seconds, n + 1);
            }
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose() { }
    }
}
