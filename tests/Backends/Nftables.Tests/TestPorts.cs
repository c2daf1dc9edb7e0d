using System.Net;
using Proxy.Backends.Testing;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables.Tests;

/// <summary>The service ports the backend tests sync: numbered plain services, and the changes that give one a feature.</summary>
internal static class TestPorts
{
    /// <summary>ns/svcNNN:http on 10.96.0.(i+1):80 (a NodePort 30000+i for every 10th), endpoints 10.244.i.h:8080, h = 1 local.</summary>
    public static ServicePort Service(int i, params int[] hosts) => TestModel.Port(
        new ServicePortName("ns", $"svc{i:D3}", "http", L4Protocol.Tcp),
        IPAddress.Parse($"10.96.0.{i + 1}"),
        80,
        i % 10 == 0 ? 30000 + i : 0,
        hosts.Select(h => new Endpoint(IPAddress.Parse($"10.244.{i}.{h}"), 8080, h == 1)));

    public static List<ServicePort> Many(int count) => [.. Enumerable.Range(0, count).Select(i => Service(i, 1, 2, 3))];

    public static IReadOnlyList<ProxyState> States(IEnumerable<ServicePort> services, params string[] serviceCidrs) =>
    [
        ProxyState.Create(IpFamily.IPv4, TestModel.Node("10.244.0.0/16"), services) with { ServiceCIDRs = serviceCidrs.Select(IPNetwork.Parse).ToEquatableArray() },
        ProxyState.Empty(IpFamily.IPv6),
    ];

    /// <summary>
    /// A port with the features no plain service has: an external IP (198.51.100.N) and a load-balancer IP (203.0.113.N)
    /// with source ranges, N the last byte of its cluster IP, and an external policy Local.
    /// </summary>
    public static ServicePort LocalLoadBalancer(ServicePort port) => port with
    {
        ExternalIPs = EquatableArray.Create(IPAddress.Parse($"198.51.100.{port.ClusterIP.GetAddressBytes()[^1]}")),
        LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse($"203.0.113.{port.ClusterIP.GetAddressBytes()[^1]}")),
        LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("192.0.2.0/24")),
        LocalEndpoints = port.ClusterEndpoints.Where(e => e.IsLocal).ToEquatableArray(),
        External = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.None, EmptyVerdict.Drop) { PodsUseClusterSet = true, NodeUsesClusterSet = true },
    };

    /// <summary>internalTrafficPolicy: Local: the cluster IP is served by the local set only.</summary>
    public static ServicePort InternalLocal(ServicePort port) => port with
    {
        LocalEndpoints = port.ClusterEndpoints.Where(e => e.IsLocal).ToEquatableArray(),
        ClusterEndpoints = port.NodePort == 0 ? EquatableArray<Endpoint>.Empty : port.ClusterEndpoints,
        Internal = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.OffCluster, EmptyVerdict.Drop),
    };

    public static ServicePort WithAffinity(ServicePort port, int seconds = 10800) => port with { Affinity = new ClientIPAffinity(seconds) };
}
