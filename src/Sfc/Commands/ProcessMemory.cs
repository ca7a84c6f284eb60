namespace Sfc.Commands;

/// <summary>
/// This process's resident memory as Linux reports it in <c>/proc/self/status</c>: VmRSS now and VmHWM, the peak
/// since start or since the last <see cref="ResetPeak"/> (file-backed pages of memory-mapped weights count too).
/// </summary>
internal static class ProcessMemory
{
    /// <summary>The peak resident set in bytes, or null where /proc is not available.</summary>
    public static long? PeakBytes() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>The resident set now, in bytes, or null where /proc is not available.</summary>
    public static long? CurrentBytes() => StatusKilobytes("VmRSS:") * 1024;

    /// <summary>Restarts the peak at the current resident set (writes 5 to /proc/self/clear_refs); false when the kernel
    /// does not allow it, in which case peaks are measured from the start of the process.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Seconds of processor time the hypervisor gave to other guests ("steal", summed over processors) since
    /// boot, or null where /proc/stat does not report it. On a shared virtual machine this is time a run waited.</summary>
    public static double? StealSeconds()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 8 ? long.Parse(fields[8], System.Globalization.CultureInfo.InvariantCulture) / 100.0 : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The 1-, 5- and 15-minute load averages, or null where /proc is not available.</summary>
    public static double[]? LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ').Take(3)
                .Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static long? StatusKilobytes(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
                var number = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return null;
    }
}
