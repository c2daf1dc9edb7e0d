using System.Diagnostics;
using System.Runtime.InteropServices;
using Proxy.Backends.Ipvs.Netlink;
using Proxy.Netlink;

namespace Proxy.Backends.Ipvs.Tests.Netlink;

/// <summary>
/// The real socket against the real kernel, in a network namespace this test makes: the "IPVS" family lookup either
/// resolves (a kernel with ip_vs, as in the IPVS test VM) or fails with ENOENT as a typed exception (this machine's
/// kernel has no ip_vs) — never a hang, a crash or another errno.
/// </summary>
public sealed partial class IpvsNetlinkClientKernelTests : IDisposable
{
    private readonly string ns = $"kpipvs{Environment.ProcessId % 100000}";

    public IpvsNetlinkClientKernelTests()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            var reason = "needs root and ip (iproute2) to make a network namespace";
            if (Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") == "1")
            {
                Assert.Fail($"KP_REQUIRE_KERNEL=1 but {reason}");
            }
            Assert.Skip(reason);
        }
        Process.Start("ip", ["netns", "add", ns])!.WaitForExit();
    }

    public void Dispose() => Process.Start("ip", ["netns", "del", ns])!.WaitForExit();

    [Fact]
    public void TheIpvsFamilyResolvesOrIsReportedMissingWithEnoent()
    {
        ushort? family = null;
        NetlinkException? error = null;
        InNamespace(() =>
        {
            try
            {
                using var client = new IpvsNetlinkClient();
                family = client.FamilyId;
            }
            catch (NetlinkException e)
            {
                error = e;
            }
        });

        Assert.True(family is > 0 || error is { Errno: 2 }, $"family {family}, error {error?.Message}");
    }

    /// <summary>
    /// Where the kernel has IPVS (the test VM), the timeouts land in this namespace's IPVS as <c>ipvsadm -L --timeout</c>
    /// shows them, a zero one keeping the kernel's value; elsewhere the client cannot be made, with ENOENT.
    /// </summary>
    [Fact]
    public void TimeoutsLandInTheKernel_AZeroOneKeepsItsValue()
    {
        string? shown = null;
        NetlinkException? error = null;
        InNamespace(() =>
        {
            try
            {
                using var client = new IpvsNetlinkClient();
                client.SetTimeouts(new IpvsTimeouts(TimeSpan.FromSeconds(901), TimeSpan.Zero, TimeSpan.FromSeconds(7)));
                using var ipvsadm = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns, "ipvsadm", "-L", "--timeout"]) { RedirectStandardOutput = true })!;
                shown = ipvsadm.StandardOutput.ReadToEnd().Trim();
                ipvsadm.WaitForExit();
            }
            catch (NetlinkException e)
            {
                error = e;
            }
        });

        if (error is not null)
        {
            Assert.Equal(2, error.Errno);
            return;
        }
        // The kernel's default FIN timeout is 120 s: kept, since 0 was sent for it.
        Assert.Equal("Timeout (tcp tcpfin udp): 901 120 7", shown);
    }

    /// <summary>setns applies to the calling thread: run on a fresh thread inside the namespace (sockets stay there).</summary>
    private void InNamespace(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{ns}");
                if (SetNs(target.DangerousGetHandle(), 0x40000000) != 0)
                {
                    throw new IOException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("the namespaced action failed", failure);
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(nint fd, int nstype);
}
