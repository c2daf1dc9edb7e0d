using System.Diagnostics;

namespace Proxy.Backends.Testing;

/// <summary>
/// A network namespace of the test's own, removed on dispose, to feed payloads to the real kernel tools. Needs root
/// and iproute2: without them the test skips with the reason, or fails under KP_REQUIRE_KERNEL=1 (CI).
/// </summary>
internal sealed class KernelNamespace : IDisposable
{
    private static int counter;

    private KernelNamespace(string name) => Name = name;

    public string Name { get; }

    public static KernelNamespace Create(params string[] tools)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]).ToList();
        var missing = new[] { "ip" }.Concat(tools).Where(t => !path.Any(p => File.Exists(Path.Combine(p, t)))).ToList();
        var reason = Environment.UserName != "root" ? "needs root to make a network namespace"
            : missing.Count > 0 ? $"missing tools: {string.Join(", ", missing)}" : null;
        if (reason is not null)
        {
            if (Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") == "1")
            {
                Assert.Fail($"KP_REQUIRE_KERNEL=1 but {reason}");
            }
            Assert.Skip(reason);
        }
        var name = $"kpt{Environment.ProcessId % 100000}n{Interlocked.Increment(ref counter)}";
        var created = Run("ip", ["netns", "add", name], null);
        Assert.True(created.ExitCode == 0, $"ip netns add {name}: {created.Error}");
        return new KernelNamespace(name);
    }

    /// <summary>Runs <paramref name="tool"/> inside the namespace with <paramref name="input"/> on stdin.</summary>
    public (int ExitCode, string Output, string Error) Exec(string tool, string? input, params string[] arguments) =>
        Run("ip", ["netns", "exec", Name, tool, .. arguments], input);

    public void Dispose() => Run("ip", ["netns", "del", Name], null);

    private static (int ExitCode, string Output, string Error) Run(string file, string[] arguments, string? input)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input ?? "");
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
