using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Ipvs.Ipsets;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Tests;

/// <summary>
/// Every field of the model in ipvs mode, through the whole backend on its stateful fakes: which virtual servers exist,
/// which real servers they get, which set entries are written, and that a change to one service writes only its own.
/// </summary>
public class IpvsServiceSemanticsTests
{
    private const string Node = "192.0.2.1";
    private static readonly Endpoint Web1 = new(IPAddress.Parse("10.244.1.11"), 8080, IsLocal: true);
    private static readonly Endpoint Rem1 = new(IPAddress.Parse("10.244.2.11"), 8080, IsLocal: false);
    private static readonly Endpoint Rem2 = new(IPAddress.Parse("10.244.2.12"), 8080, IsLocal: false);

    private readonly FakeIpvsClient kernel = new();
    private readonly FakeLinks links = new();
    private readonly FakeKernelCommands commands = new();
    private readonly IpvsBackend backend;

    public IpvsServiceSemanticsTests()
    {
        links.AddNodeAddress(Node);
        links.AddNodeAddress("192.0.2.100");
        backend = new IpvsBackend(commands, () => kernel, links, new FakeSysctl(), new IpvsOptions(), NullLogger<IpvsBackend>.Instance);
    }

    /// <summary>A Cluster-policy port on 10.96.1.<paramref name="n"/>:80 with the given cluster set.</summary>
    private static ServicePort Port(string name, int n, params Endpoint[] cluster) =>
        TestModel.Port(new ServicePortName("sem", name, "p", L4Protocol.Tcp), IPAddress.Parse($"10.96.1.{n}"), 80, 0, cluster);

    /// <summary>externalTrafficPolicy: Local, as the reconciler resolves it: the external route uses the local set, unmasqueraded.</summary>
    private static ServicePort ExternalLocal(ServicePort port) => port with
    {
        LocalEndpoints = port.ClusterEndpoints.Where(e => e.IsLocal).ToEquatableArray(),
        External = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.None, EmptyVerdict.Drop) { PodsUseClusterSet = true, NodeUsesClusterSet = true },
    };

    private Task Sync(params ServicePort[] ports) => Sync(TestModel.Node("10.244.0.0/16"), ports);

    private Task Sync(NodeNetwork node, params ServicePort[] ports) =>
        backend.SyncAsync([ProxyState.Create(IpFamily.IPv4, node, ports)], full: false, CancellationToken.None);

    private SortedSet<string> Set(string name) => commands.Sets[name].Entries;

    /// <summary>The real servers of one virtual server, from the fake kernel's ipvsadm-like dump.</summary>
    private List<string> RealServers(string virtualServer)
    {
        var lines = kernel.Dump().Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith($"TCP  {virtualServer} ", StringComparison.Ordinal));
        Assert.True(at >= 0, $"no virtual server {virtualServer} in\n{kernel.Dump()}");
        return [.. lines.Skip(at + 1).TakeWhile(l => l.StartsWith("  -> ", StringComparison.Ordinal)).Select(l => l[5..].Split(' ')[0])];
    }

    [Fact]
    public async Task ExternalAndLoadBalancerIPsAreBoundVirtualServersInTheirSets()
    {
        await Sync(Port("eips", 1, Web1) with { ExternalIPs = EquatableArray.Create(IPAddress.Parse("198.51.100.10")) },
            Port("lb", 2, Web1) with { NodePort = 30002, LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.2")) });

        Assert.Equal(["10.244.1.11:8080"], RealServers("198.51.100.10:80"));
        Assert.Equal(["10.244.1.11:8080"], RealServers("203.0.113.2:80"));
        Assert.Equal(["10.96.1.1", "10.96.1.2", "198.51.100.10", "203.0.113.2"], links.AddressesOf(IpvsBackend.DummyDevice)!.Order(StringComparer.Ordinal));
        Assert.Equal(["198.51.100.10,tcp:80"], Set("KUBE-EXTERNAL-IP"));
        Assert.Empty(Set("KUBE-EXTERNAL-IP-LOCAL"));
        Assert.Equal(["203.0.113.2,tcp:80"], Set("KUBE-LOAD-BALANCER"));
        Assert.Empty(Set("KUBE-LOAD-BALANCER-LOCAL"));
        Assert.Empty(Set("KUBE-LOAD-BALANCER-FW"));
        Assert.Contains("203.0.113.2", Set("KUBE-IPVS-IPS"));
        // Cluster policy: external traffic is marked for masquerade.
        var rules = Assert.Single(commands.Restores("iptables-restore"));
        Assert.Contains("-A KUBE-SERVICES -m comment --comment \"Kubernetes service external ip + port for masquerade and filter purpose\" -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ\n", rules);
        Assert.Contains("-A KUBE-SERVICES -m comment --comment \"Kubernetes service lb portal\" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER\n", rules);
        Assert.Contains("-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ\n", rules);
    }

    [Fact]
    public async Task SourceRangesFillTheFirewallSets_TheLoadBalancerIPItselfAsASourceIP()
    {
        var lb = IPAddress.Parse("203.0.113.3");
        await Sync(Port("ranges", 3, Web1) with
        {
            NodePort = 30003,
            LoadBalancerIPs = EquatableArray.Create(lb),
            LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.7/32"), IPNetwork.Parse("203.0.113.3/32")),
        });

        Assert.Equal(["203.0.113.3,tcp:80"], Set("KUBE-LOAD-BALANCER-FW"));
        Assert.Equal(["203.0.113.3,tcp:80,192.0.2.0/24", "203.0.113.3,tcp:80,198.51.100.7"], Set("KUBE-LOAD-BALANCER-SOURCE-CIDR"));
        Assert.Equal(["203.0.113.3,tcp:80,203.0.113.3"], Set("KUBE-LOAD-BALANCER-SOURCE-IP"));
        var rules = Assert.Single(commands.Restores("iptables-restore"));
        var filter = rules[..rules.IndexOf("*nat", StringComparison.Ordinal)];
        var firewall = filter.Split('\n').Where(l => l.StartsWith("-A KUBE-PROXY-FIREWALL ", StringComparison.Ordinal) || l.StartsWith("-A KUBE-SOURCE-RANGES-FIREWALL ", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                "-A KUBE-PROXY-FIREWALL -m comment --comment \"Kubernetes service load balancer ip + port for load balancer with sourceRange\" -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL",
                "-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment \"Kubernetes service load balancer ip + port + source cidr for packet filter purpose\" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN",
                "-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment \"Kubernetes service load balancer ip + port + source IP for packet filter purpose\" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-IP dst,dst,src -j RETURN",
                "-A KUBE-SOURCE-RANGES-FIREWALL -j DROP",
            ],
            firewall);
        // Never the node port: it stays open to every source.
        Assert.DoesNotContain(Set("KUBE-LOAD-BALANCER-FW"), e => e.Contains("30003", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ASourceRangeOfEveryAddressIsWrittenAsItsTwoHalves_WhichIpsetAccepts()
    {
        await Sync(Port("open", 3, Web1) with
        {
            LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.3")),
            LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("0.0.0.0/0")),
        });

        Assert.Equal(["203.0.113.3,tcp:80,0.0.0.0/1", "203.0.113.3,tcp:80,128.0.0.0/1"], Set("KUBE-LOAD-BALANCER-SOURCE-CIDR"));
    }

    [Fact]
    public async Task ExternalPolicyLocal_ExternalVirtualServersGetOnlyTheLocalSet_AndKeepTheSource()
    {
        await Sync(ExternalLocal(Port("etplocal", 4, Web1, Rem1) with
        {
            NodePort = 30004,
            HealthCheckNodePort = 32004,
            ExternalIPs = EquatableArray.Create(IPAddress.Parse("198.51.100.4")),
            LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.4")),
        }));

        foreach (var external in new[] { "192.0.2.1:30004", "192.0.2.100:30004", "198.51.100.4:80", "203.0.113.4:80" })
        {
            Assert.Equal(["10.244.1.11:8080"], RealServers(external));
        }
        Assert.Equal(["10.244.1.11:8080", "10.244.2.11:8080"], RealServers("10.96.1.4:80"));
        Assert.Equal(["30004"], Set("KUBE-NODE-PORT-TCP"));
        Assert.Equal(["30004"], Set("KUBE-NODE-PORT-LOCAL-TCP"));
        Assert.Equal(["203.0.113.4,tcp:80"], Set("KUBE-LOAD-BALANCER-LOCAL"));
        Assert.Equal(["198.51.100.4,tcp:80"], Set("KUBE-EXTERNAL-IP-LOCAL"));
        Assert.Empty(Set("KUBE-EXTERNAL-IP"));
        Assert.Equal(["32004"], Set("KUBE-HEALTH-CHECK-NODE-PORT"));
        // The -LOCAL sets RETURN before their twins mark for masquerade, as upstream orders them.
        var nodePort = Assert.Single(commands.Restores("iptables-restore")).Split('\n').Where(l => l.StartsWith("-A KUBE-NODE-PORT -p tcp", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [
                "-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port with externalTrafficPolicy=local\" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN",
                "-A KUBE-NODE-PORT -p tcp -m comment --comment \"Kubernetes nodeport TCP port for masquerade purpose\" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ",
            ],
            nodePort);
    }

    /// <summary>Upstream's ipvs proxier (kubernetes#97081), unlike its iptables and nftables modes, which drop.</summary>
    [Fact]
    public async Task ALocalPolicyWithNoLocalEndpointFallsBackToTheClusterSet()
    {
        var etpNone = ExternalLocal(Port("etpnone", 5, Rem2) with { NodePort = 30005 });
        var itpNone = Port("itpnone", 7) with { Internal = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.OffCluster, EmptyVerdict.Drop) };
        Assert.Empty(etpNone.LocalEndpoints);

        await Sync(etpNone, itpNone);

        Assert.Equal(["10.244.2.12:8080"], RealServers("192.0.2.1:30005"));
        // A plain ClusterIP service with internalTrafficPolicy: Local has no cluster set to fall back to: no real server,
        // so IPVS answers port unreachable.
        Assert.Empty(RealServers("10.96.1.7:80"));
    }

    [Fact]
    public async Task InternalPolicyLocal_TheClusterIPGetsOnlyTheLocalSet()
    {
        await Sync(Port("itplocal", 6) with
        {
            LocalEndpoints = EquatableArray.Create(Web1),
            Internal = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.OffCluster, EmptyVerdict.Drop),
        });

        Assert.Equal(["10.244.1.11:8080"], RealServers("10.96.1.6:80"));
    }

    [Fact]
    public async Task ClientIPAffinityMakesEveryVirtualServerOfThePortPersistentWithItsTimeout()
    {
        await Sync(Port("affinity", 8, Web1, Rem1) with { NodePort = 30008, ExternalIPs = EquatableArray.Create(IPAddress.Parse("198.51.100.8")), Affinity = new ClientIPAffinity(600) });

        var dump = kernel.Dump();
        Assert.Contains("TCP  10.96.1.8:80 rr persistent 600\n", dump);
        Assert.Contains("TCP  198.51.100.8:80 rr persistent 600\n", dump);
        Assert.Contains("TCP  192.0.2.1:30008 rr persistent 600\n", dump);
        Assert.Contains("TCP  192.0.2.100:30008 rr persistent 600\n", dump);
    }

    [Fact]
    public async Task NodePortsGetVirtualServersOnlyOnTheChosenAddresses_NeverOnLoopback()
    {
        var chosen = new NodeNetwork(null, NodePortAddresses.Only([IPAddress.Parse("192.0.2.100"), IPAddress.Loopback], loopback: true));

        await Sync(chosen, Port("np", 13, Web1) with { NodePort = 30013 });

        Assert.Equal(["10.244.1.11:8080"], RealServers("192.0.2.100:30013"));
        Assert.DoesNotContain("192.0.2.1:30013", kernel.Dump());
        Assert.DoesNotContain("127.0.0.1", kernel.Dump());

        // Choosing the other address moves the virtual server: the old one is still recognised as ours.
        await Sync(new NodeNetwork(null, NodePortAddresses.Only([IPAddress.Parse(Node)], loopback: false)), Port("np", 13, Web1) with { NodePort = 30013 });
        Assert.Equal(["10.244.1.11:8080"], RealServers("192.0.2.1:30013"));
        Assert.DoesNotContain("192.0.2.100:30013", kernel.Dump());
    }

    [Fact]
    public async Task AChangeToOneServicesPolicyWritesOnlyItsOperationsAndSetEntries()
    {
        var others = Enumerable.Range(20, 30).Select(n => Port($"svc{n}", n, Web1, Rem1) with { NodePort = 30000 + n }).ToList();
        var lb = Port("lb", 2, Web1, Rem1) with { NodePort = 30002, LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.2")) };
        await Sync([.. others, lb]);
        kernel.Log.Clear();
        commands.Commands.Clear();

        await Sync([.. others, ExternalLocal(lb)]);

        Assert.Equal(
            [
                "delete TCP  192.0.2.100:30002 rr -> 10.244.2.11:8080",
                "delete TCP  192.0.2.1:30002 rr -> 10.244.2.11:8080",
                "delete TCP  203.0.113.2:80 rr -> 10.244.2.11:8080",
            ],
            kernel.Log.Order(StringComparer.Ordinal));
        Assert.Equal(
            "add KUBE-LOAD-BALANCER-LOCAL 203.0.113.2,tcp:80 -exist\nadd KUBE-NODE-PORT-LOCAL-TCP 30002 -exist\n",
            Assert.Single(commands.Restores("ipset")));
        Assert.Empty(commands.Restores("iptables-restore"));
    }

    [Fact]
    public async Task AChangeToOneServicesAffinityUpdatesOnlyItsVirtualServers()
    {
        var others = Enumerable.Range(20, 30).Select(n => Port($"svc{n}", n, Web1)).ToList();
        var sticky = Port("affinity", 8, Web1, Rem1) with { NodePort = 30008, Affinity = new ClientIPAffinity(10800) };
        await Sync([.. others, sticky]);
        kernel.Log.Clear();
        commands.Commands.Clear();

        await Sync([.. others, sticky with { Affinity = new ClientIPAffinity(60) }]);

        Assert.Equal(
            ["update TCP  10.96.1.8:80 rr persistent 60", "update TCP  192.0.2.100:30008 rr persistent 60", "update TCP  192.0.2.1:30008 rr persistent 60"],
            kernel.Log.Order(StringComparer.Ordinal));
        Assert.Empty(commands.Restores("ipset"));

        await Sync([.. others, sticky with { Affinity = null }]);
        Assert.Contains("TCP  10.96.1.8:80 rr\n", kernel.Dump());
    }

    [Fact]
    public async Task IPv6SetNamesAreCutTo31CharactersAsUpstreams_AndTheirStagingSetsFitToo()
    {
        links.AddNodeAddress("2001:db8::1");
        var port = new ServicePort(new ServicePortName("sem", "v6", "p", L4Protocol.Tcp), IPAddress.Parse("fd00::10"), 80)
        {
            LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("2001:db8:1::3")),
            LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("2001:db8:2::/48")),
            ClusterEndpoints = EquatableArray.Create(new Endpoint(IPAddress.Parse("fd00:244::11"), 8080, true)),
        };

        await backend.SyncAsync([ProxyState.Create(IpFamily.IPv6, TestModel.Node(null), [port])], full: false, CancellationToken.None);

        Assert.All(commands.Sets.Keys, name => Assert.True(name.Length <= IpsetNames.MaxNameLength, name));
        Assert.Equal(["2001:db8:1::3,tcp:80,2001:db8:2::/48"], Set("KUBE-6-LOAD-BALANCER-SOURCE-CID"));
        Assert.Contains("KUBE-6-NODE-PORT-LOCAL-SCTP-HAS", commands.Sets.Keys);
        Assert.Contains("--match-set KUBE-6-LOAD-BALANCER-SOURCE-CID dst,dst,src -j RETURN", Assert.Single(commands.Restores("ip6tables-restore")));
    }
}
