using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Iptables.Tests;

/// <summary>
/// Partial syncs against the stateful fake for every kind of chain a service port can own: a change to one service's
/// policy, affinity, source ranges or endpoints writes only that service's chains (creating and removing KUBE-SVL,
/// KUBE-EXT, KUBE-FW and KUBE-SEP chains as needed), and the kernel ends up as a full sync would leave it.
/// </summary>
public class PartialSyncTests
{
    private static readonly LocalTrafficDetector Detector = LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse("10.244.0.0/16"));
    private static readonly TrafficRoute LocalExternal = new(EndpointSetKind.Local, MasqueradeRule.None, EmptyVerdict.Drop) { PodsUseClusterSet = true, NodeUsesClusterSet = true };

    private readonly FakeIptables kernel = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Endpoint Ep(int service, int host, bool local = false) => new(IPAddress.Parse($"10.244.{service}.{host}"), 8080, local);

    /// <summary>A LoadBalancer-like port: node port, an LB IP, two endpoints (the first local).</summary>
    private static ServicePort Service(int i) => new(new ServicePortName("ns", $"svc{i:D3}", "http", L4Protocol.Tcp), IPAddress.Parse($"10.96.0.{i + 1}"), 80)
    {
        NodePort = 30000 + i,
        LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse($"203.0.113.{i + 1}")),
        ClusterEndpoints = EquatableArray.Create(Ep(i, 1, local: true), Ep(i, 2)),
        Internal = TrafficRoute.Cluster with { Masquerade = MasqueradeRule.OffCluster },
    };

    private static ProxyState[] States(IEnumerable<ServicePort> services) =>
        [ProxyState.Create(IpFamily.IPv4, new NodeNetwork(Detector, NodePortAddresses.AllLocalAddresses(loopback: false)), services), ProxyState.Empty(IpFamily.IPv6)];

    private IptablesBackend Backend() => new(kernel, new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance);

    public static TheoryData<string> Changes() => [.. Change.Keys];

    private static readonly Dictionary<string, Func<ServicePort, ServicePort>> Change = new()
    {
        ["externalTrafficPolicy: Local"] = p => p with { LocalEndpoints = EquatableArray.Create(p.ClusterEndpoints[0]), External = LocalExternal },
        ["internalTrafficPolicy: Local"] = p => p with
        {
            LocalEndpoints = EquatableArray.Create(p.ClusterEndpoints[0]),
            Internal = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.OffCluster, EmptyVerdict.Drop),
        },
        ["Local with its local endpoint gone"] = p => p with { ClusterEndpoints = EquatableArray.Create(p.ClusterEndpoints[1]), External = LocalExternal },
        ["session affinity"] = p => p with { Affinity = new ClientIPAffinity(60) },
        ["source ranges"] = p => p with { LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("198.51.100.0/24")) },
        ["external IP added"] = p => p with { ExternalIPs = EquatableArray.Create(IPAddress.Parse("198.51.100.42")) },
        ["endpoint replaced"] = p => p with { ClusterEndpoints = EquatableArray.Create(p.ClusterEndpoints[0], Ep(42, 9)) },
        ["no endpoints left"] = p => p with { ClusterEndpoints = EquatableArray<Endpoint>.Empty },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task AChangeToOneServiceWritesOnlyItsChains_AndBackAgain(string change)
    {
        var services = Enumerable.Range(0, 100).Select(Service).ToList();
        var backend = Backend();
        await backend.SyncAsync(States(services), full: true, Ct);

        services[42] = Change[change](services[42]);
        var forth = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(forth.Full);
        // A change to base-chain rules only (an external IP added) rewrites none of the port's own chains.
        Assert.InRange(forth.ChangedServicePorts, 0, 1);
        AssertOnlyService42In(kernel.Payloads[^1], Service(42), services[42]);
        Assert.Equal(FullSyncResult(services), Normalized(kernel.Dump()));

        services[42] = Service(42);
        var back = await backend.SyncAsync(States(services), full: false, Ct);

        Assert.False(back.Full);
        AssertOnlyService42In(kernel.Payloads[^1], Service(42), Change[change](Service(42)));
        Assert.Equal(FullSyncResult(services), Normalized(kernel.Dump()));
    }

    [Fact]
    public async Task TurningLocalhostNodePortsOnIsAFullSyncThatAddsKubeletsFirewallJumps()
    {
        var backend = Backend();
        await backend.SyncAsync(States([Service(1)]), full: true, Ct);

        var loopback = ProxyState.Create(IpFamily.IPv4, new NodeNetwork(Detector, NodePortAddresses.AllLocalAddresses(loopback: true)), [Service(1)]);
        var result = await backend.SyncAsync([loopback, ProxyState.Empty(IpFamily.IPv6)], full: false, Ct);

        Assert.True(result.Full);
        Assert.Contains("-j KUBE-FIREWALL", kernel.Rules("filter", "INPUT"));
        Assert.Contains("-j KUBE-FIREWALL", kernel.Rules("filter", "OUTPUT"));
        Assert.Single(kernel.Rules("filter", "KUBE-FIREWALL"));
    }

    /// <summary>
    /// The payload declares (writes or removes) only service 42's own chains, before or after the change. The shared
    /// base chains (KUBE-SERVICES and friends) hold a rule of every service and are rewritten whole when one of their
    /// rules changes, as upstream does.
    /// </summary>
    private static void AssertOnlyService42In(string payload, params ServicePort[] versions)
    {
        var own = versions.SelectMany(v => IptablesRenderer.Render(States([v])[0], new IptablesOptions()).Chains)
            .Where(c => c.Owner is not null).Select(c => c.Chain).ToHashSet(StringComparer.Ordinal);
        var declared = payload.Split('\n').Where(l => l.StartsWith(':')).Select(l => l[1..l.IndexOf(' ', StringComparison.Ordinal)]).Where(ChainNames.IsGenerated).ToList();
        Assert.NotEmpty(declared.Concat(payload.Contains("ns/svc042:http", StringComparison.Ordinal) ? ["(base rules)"] : []));
        var others = declared.Where(c => !own.Contains(c)).ToList();
        Assert.True(others.Count == 0, $"other services' chains written: {string.Join(", ", others.Take(3))}");
    }

    /// <summary>What a fresh full sync of <paramref name="services"/> leaves in an empty kernel.</summary>
    private static string FullSyncResult(IEnumerable<ServicePort> services)
    {
        var fresh = new FakeIptables();
        new IptablesBackend(fresh, new FakeSysctl(ipvs: false), new IptablesOptions(), NullLogger<IptablesBackend>.Instance)
            .SyncAsync(States(services), full: true, CancellationToken.None).GetAwaiter().GetResult();
        return Normalized(fresh.Dump());
    }

    /// <summary>Chains in name order: partial syncs create chains in another order than a full sync, which iptables does not mind.</summary>
    private static string Normalized(string save) => string.Join('\n', save.Split('\n').Order(StringComparer.Ordinal));
}
