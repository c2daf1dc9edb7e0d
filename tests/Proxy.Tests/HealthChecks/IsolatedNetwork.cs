using System.Diagnostics;
using System.Net.Sockets;
using Proxy.Testing.FakeApi;

namespace Proxy.Tests.HealthChecks;

/// <summary>
/// A network namespace of the test's own (loopback up, nothing else), for what must not happen in the host's: listening
/// on every address. Code runs in it through <see cref="NetworkNamespace.Run"/>. Needs root (and `ip`); skipped
/// without root unless KP_REQUIRE_KERNEL=1, which makes that a failure.
/// </summary>
internal sealed class IsolatedNetwork : IDisposable
{
    private static int counter;

    private IsolatedNetwork(string name) => Name = name;

    public string Name { get; }

    public static IsolatedNetwork Create()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.True(Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") != "1", "a network namespace needs root");
            Assert.Skip("a network namespace needs root");
        }
        var network = new IsolatedNetwork($"kps-hc{Environment.ProcessId % 10000}x{Interlocked.Increment(ref counter)}");
        Ip("netns", "add", network.Name);
        try
        {
            Ip("-n", network.Name, "link", "set", "lo", "up");
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return network;
    }

    /// <summary>Runs <paramref name="action"/> inside the namespace: every socket it creates (and binds) is there.</summary>
    public void Run(Action action) => Run<object?>(() =>
    {
        action();
        return null;
    });

    public T Run<T>(Func<T> func) => NetworkNamespace.Run(Name, func);

    /// <summary>A TCP socket of <paramref name="family"/> inside the namespace.</summary>
    public Socket Socket(AddressFamily family) => Run(() => new Socket(family, SocketType.Stream, ProtocolType.Tcp));

    public void Dispose() => Ip("netns", "del", Name);

    private static void Ip(params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new IOException($"ip {string.Join(' ', arguments)}: {error}");
        }
    }

}
