using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>Runs gnuplot as a process: a script on stdin (which sets the terminal but no output file), the picture
/// from stdout, written atomically so that a failure leaves no file behind.</summary>
public static class Gnuplot
{
    public const string Executable = "gnuplot";
    public const string MissingMessage = "drawing the faithfulness plot needs gnuplot: apt-get install gnuplot-nox";

    /// <summary>Whether gnuplot is on the PATH.</summary>
    public static bool IsInstalled => Find() is not null;

    /// <summary>Runs <paramref name="script"/> and writes what it prints to <paramref name="outPath"/>.</summary>
    /// <exception cref="SfcInputException">gnuplot is missing or fails (its first error line is quoted).</exception>
    public static void Render(string script, string outPath)
    {
        var executable = Find() ?? throw new SfcInputException(MissingMessage);
        var input = new UTF8Encoding(false).GetBytes(script);
        AtomicFile.Write(outPath, output => Run(executable, input, output, outPath));
    }

    /// <summary>Whether this gnuplot has the terminal <paramref name="terminal"/> (e.g. pngcairo, which Debian's
    /// gnuplot-nox has and some builds lack).</summary>
    public static bool HasTerminal(string terminal)
    {
        var executable = Find();
        if (executable is null) return false;
        using var sink = new MemoryStream();
        try
        {
            Run(executable, Encoding.ASCII.GetBytes($"set terminal {terminal}\n"), sink, "gnuplot");
            return true;
        }
        catch (SfcInputException)
        {
            return false;
        }
    }

    private static void Run(string executable, byte[] script, Stream output, string outPath)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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
            // Feed stdin and drain stderr while stdout is copied, so that no pipe fills up and blocks gnuplot.
            var feed = Task.Run(() =>
            {
                try
                {
                    process.StandardInput.BaseStream.Write(script);
                }
                catch (IOException)
                {
                    // gnuplot stopped reading; its exit code and stderr say why.
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
                throw SfcInputException.ForFile(outPath, $"gnuplot failed (exit code {process.ExitCode}): {first}");
            }
        }
    }

    private static string? Find()
    {
        string[] names = OperatingSystem.IsWindows() ? [Executable + ".exe", Executable] : [Executable];
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
            {
                var full = Path.Combine(folder, name);
                if (File.Exists(full)) return full;
            }
        return null;
    }
}
