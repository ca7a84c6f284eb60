using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits.Plotting;

/// <summary>Runs Graphviz's <c>neato -n2</c> (nodes placed and edges drawn already, positions in points) as a process:
/// DOT text in on stdin, the picture out on stdout, written atomically.</summary>
public static class Graphviz
{
    public const string Layout = "neato";
    public const string MissingMessage = "sfc plot needs Graphviz: apt-get install graphviz";

    /// <summary>Whether <c>neato</c> is on the PATH.</summary>
    public static bool IsInstalled => FindExecutable(Layout, SearchPath) is not null;

    /// <summary>Lays out <paramref name="dot"/> and writes it to <paramref name="outPath"/> as
    /// <paramref name="format"/>; no file is left behind on failure.</summary>
    public static void Render(string dot, PlotFormat format, string outPath) => Render(dot, format, outPath, SearchPath);

    private static string SearchPath => Environment.GetEnvironmentVariable("PATH") ?? "";

    /// <summary><see cref="Render(string, PlotFormat, string)"/> looking for Graphviz in <paramref name="searchPath"/>
    /// (folders separated as in PATH).</summary>
    internal static void Render(string dot, PlotFormat format, string outPath, string searchPath)
    {
        if (format == PlotFormat.Dot) throw new ArgumentException("DOT text needs no Graphviz run.", nameof(format));
        var executable = FindExecutable(Layout, searchPath) ?? throw new SfcInputException(MissingMessage);
        var input = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(dot);
        AtomicFile.Write(outPath, output => Run(executable, ["-n2", $"-T{format.GraphvizName()}"], input, output, outPath));
    }

    private static void Run(string executable, string[] arguments, byte[] input, Stream output, string outPath)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SfcInputException(MissingMessage);
        }
        catch (Win32Exception)
        {
            throw new SfcInputException(MissingMessage);
        }
        using (process)
        {
            // Feed stdin and drain stderr while stdout is copied, so that no pipe fills up and blocks Graphviz.
            var feed = Task.Run(() =>
            {
                try
                {
                    process.StandardInput.BaseStream.Write(input);
                }
                catch (IOException)
                {
                    // Graphviz closed its input early; its exit code and stderr tell why.
                }
                finally
                {
                    process.StandardInput.Close();
                }
            });
            var errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            feed.Wait();
            if (process.ExitCode != 0)
            {
                var first = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no message";
                throw SfcInputException.ForFile(outPath, $"Graphviz {Layout} failed (exit code {process.ExitCode}): {first}");
            }
        }
    }

    private static string? FindExecutable(string name, string path)
    {
        string[] names = OperatingSystem.IsWindows() ? [name + ".exe", name] : [name];
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var candidate in names)
            {
                var full = Path.Combine(folder, candidate);
                if (File.Exists(full)) return full;
            }
        return null;
    }
}
