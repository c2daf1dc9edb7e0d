using System.Diagnostics;

namespace Proxy.Backends.Testing;

/// <summary>
/// A network namespace of a test's own (<c>ip netns add</c>), where the real kernel tools run; removed on dispose.
/// Creating one skips the test when it cannot run here (not root, no iproute2), or fails it under KP_REQUIRE_KERNEL=1.
/// </summary>
internal sealed class ScratchNamespace : IDisposable
{
    private static int counter;

    private ScratchNamespace(string name) => Name = name;

    public string Name { get; }

    public static ScratchNamespace Create(params string[] tools)
    {
        var missing = tools.Prepend("ip").Where(t => !OnPath(t)).ToList();
        var reason = Environment.UserName != "root" ? "needs root to make a network namespace"
            : missing.Count > 0 ? $"needs {string.Join(", ", missing)}" : null;
        if (reason is not null)
        {
            if (Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") == "1")
            {
                Assert.Fail($"KP_REQUIRE_KERNEL=1 but this test {reason}");
            }
            Assert.Skip(reason);
        }
        var name = $"kpt{Environment.ProcessId % 100000}x{Interlocked.Increment(ref counter)}";
        var created = Run("ip", null, "netns", "add", name);
        Assert.True(created.ExitCode == 0, $"ip netns add {name}: {created.Stderr}");
        return new ScratchNamespace(name);
    }

    /// <summary>Runs <paramref name="file"/> inside the namespace, with <paramref name="stdin"/> as its standard input.</summary>
    public (int ExitCode, string Stdout, string Stderr) Exec(string file, string? stdin, params string[] arguments) =>
        Run("ip", stdin, ["netns", "exec", Name, file, .. arguments]);

    public void Dispose() => Run("ip", null, "netns", "del", Name);

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, string? stdin, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin ?? "");
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
