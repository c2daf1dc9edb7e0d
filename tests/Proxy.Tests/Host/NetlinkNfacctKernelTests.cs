using System.Diagnostics;
using Proxy.Host;
using Proxy.Tests.HealthChecks;

namespace Proxy.Tests.Host;

/// <summary>The nfacct client against the real kernel, in a namespace of the test's own: counters are made, counted into by iptables, and read.</summary>
public sealed class NetlinkNfacctKernelTests : IDisposable
{
    private readonly IsolatedNetwork netns = IsolatedNetwork.Create();

    public void Dispose() => netns.Dispose();

    [Fact]
    public void ACounterIsMadeOnceCountsWhatARuleMatchesAndAMissingOneHasNoValue()
    {
        var nfacct = new NetlinkNfacct();
        if (!netns.Run(() => nfacct.Ensure("kpt_test_pkts")))
        {
            if (Environment.GetEnvironmentVariable("KP_REQUIRE_KERNEL") == "1")
            {
                Assert.Fail("KP_REQUIRE_KERNEL=1 but this kernel has no nfnetlink_acct");
            }
            Assert.Skip("this kernel has no nfnetlink_acct");
        }

        Assert.True(netns.Run(() => nfacct.Ensure("kpt_test_pkts")));
        Assert.Equal(0UL, netns.Run(() => nfacct.Packets("kpt_test_pkts")));
        Assert.Null(netns.Run(() => nfacct.Packets("kpt_missing_pkts")));

        using (var iptables = Process.Start("ip", ["netns", "exec", netns.Name, "iptables", "-A", "OUTPUT", "-d", "127.0.0.1/32", "-p", "udp", "--dport", "9", "-m", "nfacct", "--nfacct-name", "kpt_test_pkts"])!)
        {
            iptables.WaitForExit();
            Assert.Equal(0, iptables.ExitCode);
        }
        netns.Run(() =>
        {
            using var client = new System.Net.Sockets.UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
            client.Send([1], 1, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
            client.Send([2], 1, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9));
            return true;
        });

        Assert.Equal(2UL, netns.Run(() => nfacct.Packets("kpt_test_pkts")));
    }
}
