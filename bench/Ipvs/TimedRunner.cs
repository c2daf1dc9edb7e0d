using System.Diagnostics;
using Proxy.Core.Exec;
using Proxy.Exec;

namespace Proxy.Bench.Ipvs;

/// <summary>Runs the kernel tools for real (in this process's namespace), adding up the time per tool.</summary>
internal sealed class TimedRunner : ICommandRunner
{
    private readonly ProcessCommandRunner inner = new();

    public Dictionary<string, TimeSpan> ByTool { get; } = new(StringComparer.Ordinal);

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await inner.RunAsync(command, cancellationToken);
        var key = command.ChangesKernel ? $"{command.FileName} {command.Arguments[0]}" : $"{command.FileName} (read)";
        ByTool[key] = ByTool.GetValueOrDefault(key) + clock.Elapsed;
        return result;
    }
}
