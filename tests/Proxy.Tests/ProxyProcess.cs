using System.Diagnostics;
using System.Text;

namespace Proxy.Tests;

/// <summary>
/// kube-proxy-sharp (the apphost built next to these tests) as a separate process, for what only a process shows: its
/// exit code, what it prints, how it answers a signal. As root it runs in a network namespace of its own (unshare),
/// so even a dry run's reads see an empty kernel rather than this host's rules.
/// </summary>
internal sealed class ProxyProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();

    private ProxyProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "kube-proxy-sharp");

    public int Id => process.Id;

    public string Stdout => Read(stdout);

    public string Stderr => Read(stderr);

    /// <param name="user">Run as this uid and gid (setpriv), to see what an unprivileged reader sees.</param>
    public static ProxyProcess Start(IEnumerable<string> arguments, int? user = null)
    {
        IEnumerable<string> command = [Executable, .. arguments];
        if (user is { } id)
        {
            command = ["setpriv", $"--reuid={id}", $"--regid={id}", "--clear-groups", .. command];
        }
        if (Environment.UserName == "root")
        {
            command = ["unshare", "--net", .. command];
        }
        var list = command.ToList();
        var info = new ProcessStartInfo(list[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in list.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["HOME"] = Path.GetTempPath();
        return new ProxyProcess(Process.Start(info)!);
    }

    /// <summary>Runs to the end (killed after <paramref name="timeout"/>, which fails the caller's assertions on the exit code).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, int? user = null)
    {
        using var proxy = Start(arguments, user);
        var exit = await proxy.WaitAsync(timeout);
        return (exit ?? -1, proxy.Stdout, proxy.Stderr + (exit is null ? $"\n(killed after {timeout})" : ""));
    }

    /// <summary>The exit code, or null (after killing it) when it did not exit in time.</summary>
    public async Task<int?> WaitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            process.WaitForExit(); // drains the redirected streams
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return null;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what the process printed so far.</summary>
    public async Task<bool> PrintsAsync(Func<string, string, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !process.HasExited)
        {
            if (condition(Stdout, Stderr))
            {
                return true;
            }
            await Task.Delay(100);
        }
        return condition(Stdout, Stderr);
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.Append(line).Append('\n');
            }
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
