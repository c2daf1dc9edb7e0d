using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Backends;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>The whole IPVS backend against stateful fakes of the IPVS table, links, sysctls and ipset.</summary>
public class IpvsBackendTests
{
    private const string Node = "192.0.2.1";
    private readonly FakeIpvsClient kernel = new();
    private readonly FakeLinks links = new();
    private readonly FakeSysctl sysctl = new();
    private readonly FakeKernelCommands commands = new();
    private readonly IpvsBackend backend;

    public IpvsBackendTests()
    {
        links.AddNodeAddress(Node);
        backend = new IpvsBackend(commands, () => kernel, links, sysctl, new IpvsOptions(), NullLogger<IpvsBackend>.Instance);
    }

    private static ServicePort Port(string name, string ip, int nodePort, params string[] endpoints) => TestModel.Port(
        new ServicePortName("default", name, "", L4Protocol.Tcp),
        IPAddress.Parse(ip),
        80,
        nodePort,
        endpoints.Select(e => new Endpoint(IPAddress.Parse(e), 8080, IsLocal: true)));

    private Task<SyncResult> Sync(params ServicePort[] ports) =>
        backend.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), ports)], full: false, CancellationToken.None);

    private SortedSet<string> Set(string name) => commands.Sets[name].Entries;

    [Fact]
    public async Task AFirstSyncBindsServiceAddressesFillsTheSetsAndCreatesTheVirtualServers()
    {
        var result = await Sync(Port("web", "10.96.0.10", 30080, "10.244.1.2", "10.244.1.3"), Port("db", "10.96.0.11", 0, "10.244.1.9"));

        Assert.True(result.Full);
        var v4 = Assert.Single(result.Families);
        Assert.Equal((IpFamily.IPv4, true), (v4.Family, v4.Full));
        Assert.Equal(["filter", "nat"], v4.RulesByTable.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["10.96.0.10", "10.96.0.11"], links.AddressesOf(IpvsBackend.DummyDevice));
        Assert.Equal(
            "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            + "TCP  10.96.0.10:80 rr\n  -> 10.244.1.2:8080              Masq    1      0          0\n  -> 10.244.1.3:8080              Masq    1      0          0\n"
            + "TCP  10.96.0.11:80 rr\n  -> 10.244.1.9:8080              Masq    1      0          0\n"
            + "TCP  192.0.2.1:30080 rr\n  -> 10.244.1.2:8080              Masq    1      0          0\n  -> 10.244.1.3:8080              Masq    1      0          0\n",
            kernel.Dump());
        Assert.Equal(["10.96.0.10,tcp:80", "10.96.0.11,tcp:80"], Set("KUBE-CLUSTER-IP"));
        Assert.Equal(["30080"], Set("KUBE-NODE-PORT-TCP"));
        Assert.Equal(["10.244.1.2,tcp:8080,10.244.1.2", "10.244.1.3,tcp:8080,10.244.1.3", "10.244.1.9,tcp:8080,10.244.1.9"], Set("KUBE-LOOP-BACK"));
        Assert.Equal(["10.96.0.10", "10.96.0.11"], Set("KUBE-IPVS-IPS"));
        Assert.DoesNotContain(commands.Sets.Keys, k => k.EndsWith("-NEW", StringComparison.Ordinal));
        var rules = Assert.Single(commands.Restores("iptables-restore"));
        Assert.Contains("-A KUBE-SERVICES -m comment --comment \"Kubernetes service cluster ip + port for masquerade purpose\" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ\n", rules);
        Assert.Equal("1", sysctl.Values["net/ipv4/vs/conntrack"]);
        Assert.Equal("1", sysctl.Values["net/ipv4/vs/expire_nodest_conn"]);
        Assert.Equal("0", sysctl.Values["net/ipv4/conf/all/arp_ignore"]); // strict ARP is off by default
    }

    [Fact]
    public async Task OneEndpointChangedAmongAHundredServicesWritesOnlyThatChange()
    {
        var ports = Enumerable.Range(1, 100).Select(i => Port($"svc{i:D3}", $"10.96.1.{i}", 0, $"10.244.2.{i}", $"10.244.3.{i}")).ToArray();
        await Sync(ports);
        kernel.Log.Clear();
        commands.Commands.Clear();
        var dumps = kernel.Dumps;
        ports[41] = ports[41] with { ClusterEndpoints = EquatableArray.Create(new Endpoint(IPAddress.Parse("10.244.2.42"), 8080, true), new Endpoint(IPAddress.Parse("10.244.4.42"), 8080, true)) };

        var result = await Sync(ports);

        Assert.False(result.Full);
        Assert.Equal(1, result.ChangedServicePorts);
        Assert.Equal(["add TCP  10.96.1.42:80 rr -> 10.244.4.42:8080", "delete TCP  10.96.1.42:80 rr -> 10.244.3.42:8080"], kernel.Log);
        Assert.Equal(dumps, kernel.Dumps); // planned against what was applied, not a dump of 100 services
        Assert.Equal(
            "del KUBE-LOOP-BACK 10.244.3.42,tcp:8080,10.244.3.42 -exist\nadd KUBE-LOOP-BACK 10.244.4.42,tcp:8080,10.244.4.42 -exist\n",
            Assert.Single(commands.Restores("ipset")));
        Assert.Empty(commands.Restores("iptables-restore"));
        Assert.DoesNotContain(commands.Commands, c => !c.ChangesKernel);
    }

    [Fact]
    public async Task APeriodicFullSyncReadsTheKernelTableButOnlyTheNamesOfTheSets()
    {
        var web = Port("web", "10.96.0.10", 30080, "10.244.1.2");
        await Sync(web);
        commands.Commands.Clear();
        var dumps = kernel.Dumps;

        var result = await backend.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [web])], full: true, CancellationToken.None);

        Assert.True(result.Full);
        Assert.True(kernel.Dumps > dumps);
        Assert.Contains(commands.Commands, c => c.ToString() == "ipset list -n");
        Assert.DoesNotContain(commands.Commands, c => c.ToString() == "ipset save");
        Assert.Single(commands.Restores("iptables-restore"));
        Assert.Equal(["30080"], Set("KUBE-NODE-PORT-TCP"));
    }

    /// <summary>
    /// `ipvsadm -C` by someone else: the next full sync writes the virtual servers back and says it repaired drift
    /// (kps_sync_proxy_rules_drift_repairs_total); connection counts, which traffic changes, are no drift.
    /// </summary>
    [Fact]
    public async Task VirtualServersClearedBySomeoneElseAreWrittenBackByAFullSync_WhichReportsTheRepair()
    {
        var web = Port("web", "10.96.0.10", 30080, "10.244.1.2");
        Task<SyncResult> FullSync() => backend.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [web])], full: true, CancellationToken.None);
        await Sync(web);
        var programmed = kernel.Dump();
        var clusterIP = new IpvsVirtualServer(IPAddress.Parse("10.96.0.10"), L4Protocol.Tcp, 80, "rr");
        kernel.SetConnections(clusterIP, IPAddress.Parse("10.244.1.2"), 3, 7);
        Assert.False(Assert.Single((await FullSync()).Families).RepairedDrift);

        foreach (var service in kernel.GetServices())
        {
            kernel.DeleteService(service);
        }
        var repair = Assert.Single((await FullSync()).Families);

        Assert.True(repair.RepairedDrift);
        Assert.Equal(programmed, kernel.Dump());
        Assert.False(Assert.Single((await FullSync()).Families).RepairedDrift);
    }

    [Fact]
    public async Task ADeletedServiceLosesItsVirtualServersAddressAndSetEntries()
    {
        await Sync(Port("web", "10.96.0.10", 30080, "10.244.1.2"), Port("db", "10.96.0.11", 0, "10.244.1.9"));

        await Sync(Port("db", "10.96.0.11", 0, "10.244.1.9"));

        Assert.DoesNotContain("10.96.0.10", kernel.Dump());
        Assert.DoesNotContain("30080", kernel.Dump());
        Assert.Equal(["10.96.0.11"], links.AddressesOf(IpvsBackend.DummyDevice));
        Assert.Equal(["10.96.0.11,tcp:80"], Set("KUBE-CLUSTER-IP"));
        Assert.Empty(Set("KUBE-NODE-PORT-TCP"));
        Assert.Equal(["10.96.0.11"], Set("KUBE-IPVS-IPS"));
    }

    [Fact]
    public async Task AFailedSyncChangesNoVirtualServer_AndTheNextSyncIsFull()
    {
        await Sync(Port("web", "10.96.0.10", 0, "10.244.1.2"));
        commands.FailNextIpsetRestore = "Kernel error received: Operation not permitted";
        kernel.Log.Clear();

        var failure = await Assert.ThrowsAsync<ProxySyncException>(() => Sync(Port("web", "10.96.0.10", 0, "10.244.1.2", "10.244.1.3")));
        Assert.Contains("ipset restore exited 1: ipset v7.17: Error in line 1: Kernel error received", failure.Message);
        Assert.True(failure.PartialSync);
        Assert.Equal(IpFamily.IPv4, failure.Family);
        Assert.Empty(kernel.Log);

        var retry = await Sync(Port("web", "10.96.0.10", 0, "10.244.1.2", "10.244.1.3"));
        Assert.True(retry.Full);
        Assert.Contains("  -> 10.244.1.3:8080", kernel.Dump());
        Assert.Equal(2, commands.Restores("iptables-restore").Count);
    }

    /// <summary>As upstream's IPVS proxier: an iptables-restore failure counts as one; an ipset or netlink failure does not.</summary>
    [Fact]
    public async Task OnlyAnIptablesRestoreFailureIsCountedAsOne()
    {
        Assert.Equal([BackendMetric.IptablesRestoreFailures], backend.Metrics);
        commands.FailNextIpsetRestore = "Kernel error received: Operation not permitted";
        var ipset = await Assert.ThrowsAsync<ProxySyncException>(() => Sync(Port("web", "10.96.0.10", 0, "10.244.1.2")));
        Assert.Empty(backend.FailureCounters(ipset));

        commands.FailNextIptablesRestore = true;
        var restore = await Assert.ThrowsAsync<ProxySyncException>(() => Sync(Port("web", "10.96.0.10", 0, "10.244.1.2")));
        Assert.Equal([BackendMetric.IptablesRestoreFailures], backend.FailureCounters(restore));
    }

    [Fact]
    public async Task AfterARestartANodePortOfTheEarlierRunIsRemoved_ButAForeignVirtualServerOnTheNodeSurvives()
    {
        await Sync(Port("web", "10.96.0.10", 30080, "10.244.1.2"));
        var foreign = new IpvsVirtualServer(IPAddress.Parse(Node), L4Protocol.Tcp, 443, "lc");
        kernel.AddService(foreign);
        var restarted = new IpvsBackend(commands, () => kernel, links, sysctl, new IpvsOptions(), NullLogger<IpvsBackend>.Instance);

        await restarted.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node(null), [Port("web", "10.96.0.10", 0, "10.244.1.2")])], full: false, CancellationToken.None);

        Assert.DoesNotContain("192.0.2.1:30080", kernel.Dump());
        Assert.Contains("TCP  192.0.2.1:443 lc", kernel.Dump());
    }

    [Fact]
    public async Task CleanupRemovesWhatIsOursAndNothingElse()
    {
        await Sync(Port("web", "10.96.0.10", 30080, "10.244.1.2"));
        kernel.AddService(new IpvsVirtualServer(IPAddress.Parse("198.51.100.7"), L4Protocol.Tcp, 443, "lc"));
        kernel.AddService(new IpvsVirtualServer(IPAddress.Parse(Node), L4Protocol.Udp, 53, "rr"));
        commands.Sets["user-set"] = ("hash:ip", []);

        await backend.CleanupAsync(CancellationToken.None);

        Assert.Equal(
            "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            + "TCP  198.51.100.7:443 lc\nUDP  192.0.2.1:53 rr\n",
            kernel.Dump());
        Assert.Null(links.AddressesOf(IpvsBackend.DummyDevice));
        Assert.Equal(["user-set"], commands.Sets.Keys);
    }

    [Fact]
    public async Task AKernelWithoutIpvsIsAClearError()
    {
        var noIpvs = new IpvsBackend(commands, () => throw new Proxy.Netlink.NetlinkException(2, 1), links, new FakeSysctl(ipvs: false), new IpvsOptions(), NullLogger<IpvsBackend>.Instance);

        var error = await Assert.ThrowsAsync<ProxySyncException>(() =>
            noIpvs.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node(null), [Port("web", "10.96.0.10", 0, "10.244.1.2")])], full: false, CancellationToken.None));

        Assert.Contains("this kernel has no IPVS", error.Message);
        Assert.Contains("modprobe ip_vs", error.Message);
        // Found before any family's sync starts: it stops them all alike.
        Assert.Null(error.Family);
    }

    [Fact]
    public async Task StrictArpSetsArpIgnoreAndAnnounce()
    {
        var strict = new IpvsBackend(commands, () => kernel, links, sysctl, new IpvsOptions { StrictArp = true }, NullLogger<IpvsBackend>.Instance);

        await strict.SyncAsync([ProxyState.Empty(IpFamily.IPv4)], full: true, CancellationToken.None);

        Assert.Equal("1", sysctl.Values["net/ipv4/conf/all/arp_ignore"]);
        Assert.Equal("2", sysctl.Values["net/ipv4/conf/all/arp_announce"]);
    }

    [Fact]
    public async Task ConfiguredTimeoutsAreSetWithTheNodeSettings_AndNoneWhenAllAreZero()
    {
        var timeouts = new IpvsTimeouts(TimeSpan.FromMinutes(15), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        var configured = new IpvsBackend(commands, () => kernel, links, sysctl, new IpvsOptions { Timeouts = timeouts }, NullLogger<IpvsBackend>.Instance);
        var port = Port("web", "10.96.0.10", 0, "10.244.1.2");

        await backend.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [port])], full: true, CancellationToken.None);
        Assert.Empty(kernel.TimeoutsSet);

        await configured.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [port])], full: true, CancellationToken.None);
        Assert.Equal([timeouts], kernel.TimeoutsSet);
        Assert.Equal("--set 900 0 5", kernel.TimeoutsSet[0].ToString());

        // A partial sync leaves them; the next full one puts them back, should someone have reset them.
        await configured.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [port with { Port = 81 }])], full: false, CancellationToken.None);
        Assert.Single(kernel.TimeoutsSet);
        await configured.SyncAsync([ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), [port])], full: true, CancellationToken.None);
        Assert.Equal(2, kernel.TimeoutsSet.Count);
    }
}
