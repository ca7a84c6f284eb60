using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// Hands the pages of a memory-mapped tensor back to the operating system. Mapped weights are clean copies of the file,
/// so dropping them loses nothing: the next read faults them in again from the page cache (a minor fault, no disk
/// read). Circuit discovery reads every dictionary once per phase, so releasing each after use keeps the resident set
/// to the few being worked on instead of all of them (19 × 128 MB for Pythia-70m's). Only for weights nobody writes:
/// a private (copy-on-write) change to a mapped page would be dropped too.
/// </summary>
public static class ResidentMemory
{
    private const int MadviseDontNeed = 4; // MADV_DONTNEED on Linux

    /// <summary>Releases the whole pages inside <paramref name="t"/>'s storage when it is memory-mapped (Linux); does
    /// nothing for managed tensors or elsewhere. Returns whether anything was released.</summary>
    public static unsafe bool Release(Tensor t)
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (!MemoryMarshal.TryGetMemoryManager<float, MappedFloatMemory>(t.Storage, out var manager, out int start, out int length)) return false;
        using var pin = manager.Pin(start);
        long page = Environment.SystemPageSize;
        long from = ((long)pin.Pointer + page - 1) / page * page;
        long to = ((long)pin.Pointer + (long)length * sizeof(float)) / page * page;
        if (to <= from) return false;
        return Madvise((nint)from, (nuint)(to - from), MadviseDontNeed) == 0;
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
