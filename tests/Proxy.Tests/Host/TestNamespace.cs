using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Proxy.Tests.Host;

/// <summary>
/// A network namespace of the test's own (loopback up), removed when disposed, so that what a daemon or a kernel test
/// does to the network (sysctls, nfacct counters, listeners) never reaches the host's. Code runs in it on a thread of
/// its own (setns moves only the calling thread, for good); a socket made there stays there, whichever thread uses it.
/// Skips without root or iproute2; with KP_REQUIRE_KERNEL=1 that is a failure instead.
/// </summary>
internal sealed partial class TestNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private static int counter;

    public TestNamespace()
    {
        if (Environment.UserName != "root" || !new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.Any(File.Exists))
        {
            const string reason = "needs root and ip (iproute2) to make a network namespace";
            if (Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") == "1")
            {
                Assert.Fail($"KP_REQUIRE_KERNEL=1 but {reason}");
            }
            Assert.Skip(reason);
        }
        Name = $"kpt{Environment.ProcessId % 100000}x{Interlocked.Increment(ref counter)}";
        Ip("netns", "add", Name);
        Ip("-n", Name, "link", "set", "lo", "up");
    }

    public string Name { get; }

    public void Dispose() => Ip("netns", "del", Name);

    /// <summary>The argument list that runs <paramref name="program"/> in this namespace.</summary>
    public IReadOnlyList<string> Exec(string program, params string[] args) => ["netns", "exec", Name, program, .. args];

    /// <summary>Runs <paramref name="action"/> on a fresh thread that has joined this namespace.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{Name}");
                if (SetNs(target, CloneNewNet) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    throw new Win32Exception(errno, $"setns into {Name} failed (errno {errno})");
                }
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {Name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>A TCP socket in this namespace, for an HTTP client that talks to a daemon listening on its loopback.</summary>
    public Socket Socket() => Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));

    /// <summary>Runs a command in this namespace and fails the test when it fails.</summary>
    public void Command(string program, params string[] args) => Ip(["netns", "exec", Name, program, .. args]);

    private static void Ip(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ip {string.Join(' ', args)}: {error}");
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);
}
