using System.CommandLine;

namespace Sfc.Commands;

/// <summary><c>sfc demo</c>: the whole pipeline on the bundled model.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Run the subject-verb agreement experiment end to end on the bundled model.");
        cmd.SetAction(parse =>
        {
            parse.InvocationConfiguration.Output.WriteLine(
                "sfc demo: not yet available — the bundled model and dictionaries land with the demo issue.");
            return 0;
        });
        return cmd;
    }
}
