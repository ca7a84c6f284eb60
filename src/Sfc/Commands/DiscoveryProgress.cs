using Spectre.Console;
using SparseCircuits.Circuits.Discovery;

namespace Sfc.Commands;

/// <summary>Spectre progress bars for <see cref="CircuitDiscovery"/>: one for node sites, one for edge types, each
/// naming the item in progress.</summary>
public static class DiscoveryProgress
{
    public static T Show<T>(IAnsiConsole console, string method, Func<IProgress<DiscoveryStep>, T> work) =>
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var result = work(new Inline(step =>
                {
                    if (!tasks.TryGetValue(step.Phase, out var task))
                        tasks[step.Phase] = task = ctx.AddTask(Title(step.Phase, method), maxValue: step.Total);
                    task.Description = $"{Title(step.Phase, method)} {step.Item}";
                    task.Value = step.Done;
                }));
                foreach (var (phase, task) in tasks) task.Description = Title(phase, method);
                return result;
            });

    private static string Title(string phase, string method) => phase == DiscoveryStep.Nodes ? $"nodes ({method})" : phase;

    private sealed class Inline(Action<DiscoveryStep> report) : IProgress<DiscoveryStep>
    {
        public void Report(DiscoveryStep value) => report(value);
    }
}
