using System.Diagnostics;
using Proxy.Core.Exec;

namespace Proxy.Bench;

/// <summary>
/// Runs kernel tools inside a benchmark's network namespace, timing each call and sampling the tool's peak RSS. A call
/// that runs past <see cref="Limit"/> is killed and throws <see cref="TimeoutException"/>.
/// </summary>
/// <param name="viaIpNetnsExec">
/// Enter the namespace with <c>ip netns exec</c> instead of <c>nsenter --net</c>. The daemon runs in the host's namespace
/// and starts nft directly; nsenter only adds a setns and an exec, while ip netns exec also unshares a mount namespace
/// and remounts /sys, which costs more than a one-endpoint nft -f itself (docs/performance.md). Kept to compare.
/// </param>
public sealed class TimedNetnsRunner(string ns, bool viaIpNetnsExec = false) : ICommandRunner
{
    /// <summary>Each call in order: the executable, how long it took, its peak RSS in MiB (the caller clears it).</summary>
    public List<(string Tool, TimeSpan Elapsed, double PeakMiB)> Calls { get; } = [];

    public TimeSpan? Limit { get; set; }

    /// <summary>Time spent in calls to tools whose name contains <paramref name="part"/>.</summary>
    public double Milliseconds(string part) => Calls.Where(c => c.Tool.Contains(part, StringComparison.Ordinal)).Sum(c => c.Elapsed.TotalMilliseconds);

    /// <summary>The standard input of the last call that had one.</summary>
    public string LastInput { get; private set; } = "";

    public async Task<CommandResult> RunAsync(Command command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(viaIpNetnsExec ? "ip" : "nsenter") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] enter = viaIpNetnsExec ? ["netns", "exec", ns] : [$"--net=/run/netns/{ns}", "--"];
        foreach (var a in (string[])[.. enter, command.FileName, .. command.Arguments])
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (name, value) in command.Environment)
        {
            info.Environment.TryAdd(name, value); // as the daemon's runner does
        }
        if (!OnPath(command.FileName))
        {
            throw new CommandNotFoundException(command.FileName);
        }
        LastInput = command.StandardInput ?? LastInput;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var input = Task.Run(async () =>
        {
            try
            {
                await process.StandardInput.WriteAsync(command.StandardInput ?? "");
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The tool exited before reading all of its input; its exit code says why.
            }
        }, cancellationToken);
        double peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, SyntheticCluster.PeakRssMiB(process.Id));
            if (Limit is { } limit && clock.Elapsed > limit)
            {
                process.Kill();
                await process.WaitForExitAsync(cancellationToken);
                Calls.Add((command.FileName, clock.Elapsed, peak));
                throw new TimeoutException($"{command.FileName} had not finished after {limit.TotalSeconds:F0} s; killed");
            }
            await Task.WhenAny(process.WaitForExitAsync(cancellationToken), Task.Delay(50, cancellationToken));
        }
        await input;
        Calls.Add((command.FileName, clock.Elapsed, peak));
        // As the real runner: a failure is a result (the drift check's refused nft -c is its answer), and the caller
        // decides; a benchmark's own restores go through EnsureAsync.
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs <paramref name="command"/> and throws with its stderr if it fails: for a benchmark's own bare restores.</summary>
    public async Task EnsureAsync(Command command)
    {
        var result = await RunAsync(command, CancellationToken.None);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{command}: {result.StandardError}");
        }
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
}
