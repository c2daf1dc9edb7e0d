using System.Diagnostics;

namespace Proxy.Conformance.Tests.Harness;

/// <summary>Runs a process to completion with a deadline; the kernel tools and the proxy are driven through it.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null, string? stdin = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new Result(-1, await stdout, await stderr + $"\n(killed after {clock.Elapsed})", clock.Elapsed);
        }
        return new Result(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    /// <summary>Runs and fails the test, with the command and its output, when it does not exit 0.</summary>
    public static async Task<string> CheckedAsync(string file, params string[] arguments)
    {
        var result = await RunAsync(file, arguments);
        if (result.ExitCode != 0)
        {
            Assert.Fail($"`{file} {string.Join(' ', arguments)}` failed: {result}");
        }
        return result.Stdout;
    }
}
