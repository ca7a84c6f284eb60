using System.CommandLine;
using Sfc.Commands;
using SparseCircuits;

namespace Sfc;

/// <summary>The <c>sfc</c> command: builds the command tree and turns bad input into one line and exit code 2.</summary>
public static class SfcApp
{
    public const int BadInput = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand("SparseCircuits: sparse feature circuits in transformer language models.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(GenerateCorpusCommand.Create());
        root.Subcommands.Add(PlotCommand.Create());
        root.Subcommands.Add(TrainSaeCommand.Create());
        root.Subcommands.Add(SaeEvalCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(CircuitCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(TrainLmCommand.Create());
        root.Subcommands.Add(AgreementCommand.Create());
        return root;
    }

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"sfc: {parse.Errors[0].Message}");
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (SfcInputException e)
        {
            error.WriteLine($"sfc: {e.Message}");
            return BadInput;
        }
    }
}
