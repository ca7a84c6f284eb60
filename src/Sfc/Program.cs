using System.CommandLine;
using Sfc.Commands;
using SparseCircuits;

var root = new RootCommand("sfc: sparse feature circuits in transformer language models");
root.Subcommands.Add(BenchCommand.Create());
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (SfcInputException e)
{
    Console.Error.WriteLine($"sfc: {e.Message}");
    return 2;
}
