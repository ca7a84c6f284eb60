using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Blas;

/// <summary>OpenBLAS's <c>cblas_sgemm</c>, resolved at run time with <see cref="NativeLibrary"/> so that the
/// library is optional.</summary>
internal static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private static readonly delegate* unmanaged[Cdecl]<int, void> setNumThreads;
    private static readonly delegate* unmanaged[Cdecl]<int> getNumThreads;
    private static readonly delegate* unmanaged[Cdecl]<byte*> corename;

    static OpenBlas()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so", "openblas" })
        {
            if (!NativeLibrary.TryLoad(name, typeof(OpenBlas).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.System32, out var lib)
                && !NativeLibrary.TryLoad(name, out lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out var f)) continue;
            sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)f;
            if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out var s))
                setNumThreads = (delegate* unmanaged[Cdecl]<int, void>)s;
            if (NativeLibrary.TryGetExport(lib, "openblas_get_num_threads", out var g))
                getNumThreads = (delegate* unmanaged[Cdecl]<int>)g;
            if (NativeLibrary.TryGetExport(lib, "openblas_get_corename", out var c))
                corename = (delegate* unmanaged[Cdecl]<byte*>)c;
            LibraryName = name;
            return;
        }
    }

    public static bool IsAvailable => sgemm != null;

    /// <summary>The kernel family OpenBLAS runs (e.g. "SkylakeX", "Haswell"), or null when unknown.</summary>
    public static string? CoreName => corename != null ? Marshal.PtrToStringAnsi((nint)corename()) : null;

    public static string? LibraryName { get; }

    public static int Threads
    {
        get => getNumThreads != null ? getNumThreads() : 1;
        set { if (setNumThreads != null) setNumThreads(value); }
    }

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (!IsAvailable) throw new InvalidOperationException("OpenBLAS (libopenblas.so.0) is not installed.");
        fixed (float* pa = a, pb = b, pc = c)
            sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }
}
