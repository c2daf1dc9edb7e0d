using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;

namespace Proxy.Core.Tests.Model;

public class ModelEqualityTests
{
    private static readonly Endpoint Remote = new(IPAddress.Parse("10.244.1.2"), 8080, false);
    private static readonly Endpoint Local = new(IPAddress.Parse("10.244.1.3"), 8080, true);

    private static ServicePort Sample() => new(new ServicePortName("ns1", "svc1", "p80", L4Protocol.Tcp), IPAddress.Parse("10.96.0.10"), 80)
    {
        NodePort = 30080,
        ExternalIPs = EquatableArray.Create(IPAddress.Parse("192.0.2.10")),
        LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.7")),
        LoadBalancerSourceRanges = EquatableArray.Create(IPNetwork.Parse("198.51.100.0/24")),
        ClusterEndpoints = EquatableArray.Create(Remote, Local),
        LocalEndpoints = EquatableArray.Create(Local),
        ServingEndpoints = EquatableArray.Create(Remote, Local),
        External = new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.None, EmptyVerdict.Drop) { PodsUseClusterSet = true, NodeUsesClusterSet = true },
        Affinity = new ClientIPAffinity(60),
        HealthCheckNodePort = 31000,
    };

    /// <summary>Every field, rebuilt from fresh objects: equality must not depend on identity anywhere.</summary>
    private static ServicePort FreshCopy(ServicePort a) => a with
    {
        Name = a.Name with { },
        ClusterIP = new IPAddress(a.ClusterIP.GetAddressBytes()),
        ExternalIPs = a.ExternalIPs.Select(i => new IPAddress(i.GetAddressBytes())).ToEquatableArray(),
        LoadBalancerIPs = a.LoadBalancerIPs.Select(i => new IPAddress(i.GetAddressBytes())).ToEquatableArray(),
        LoadBalancerSourceRanges = a.LoadBalancerSourceRanges.Select(r => IPNetwork.Parse(r.ToString())).ToEquatableArray(),
        ClusterEndpoints = a.ClusterEndpoints.Select(e => e with { }).ToEquatableArray(),
        LocalEndpoints = a.LocalEndpoints.Select(e => e with { }).ToEquatableArray(),
        ServingEndpoints = a.ServingEndpoints.Select(e => e with { }).ToEquatableArray(),
        Internal = a.Internal with { },
        External = a.External with { },
        Affinity = a.Affinity! with { },
    };

    [Fact]
    public void ClonesWithTheSameContentAreEqual()
    {
        var a = Sample();
        var b = FreshCopy(a);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotSame(a, b);
    }

    public static TheoryData<string> Changes() => [.. OneChange.Keys];

    private static readonly Dictionary<string, Func<ServicePort, ServicePort>> OneChange = new()
    {
        ["cluster set"] = p => p with { ClusterEndpoints = EquatableArray.Create(Remote) },
        ["local set"] = p => p with { LocalEndpoints = EquatableArray<Endpoint>.Empty },
        ["serving endpoints"] = p => p with { ServingEndpoints = EquatableArray.Create(Local) },
        ["node port"] = p => p with { NodePort = 30081 },
        ["external IPs"] = p => p with { ExternalIPs = EquatableArray<IPAddress>.Empty },
        ["load-balancer IPs"] = p => p with { LoadBalancerIPs = EquatableArray.Create(IPAddress.Parse("203.0.113.8")) },
        ["source ranges"] = p => p with { LoadBalancerSourceRanges = EquatableArray<IPNetwork>.Empty },
        ["internal route"] = p => p with { Internal = p.Internal with { Masquerade = MasqueradeRule.All } },
        ["external short-circuit"] = p => p with { External = p.External with { PodsUseClusterSet = false } },
        ["external verdict"] = p => p with { External = p.External with { WhenEmpty = EmptyVerdict.Reject } },
        ["affinity"] = p => p with { Affinity = new ClientIPAffinity(61) },
        ["no affinity"] = p => p with { Affinity = null },
        ["health check port"] = p => p with { HealthCheckNodePort = 0 },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void AnyOneFieldMakesThemDifferent(string change)
    {
        var a = Sample();

        Assert.NotEqual(a, OneChange[change](FreshCopy(a)));
    }

    [Fact]
    public void StatesCompareByTheirServicesAndTheirNode()
    {
        var node = new NodeNetwork(LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse("10.244.0.0/16")), NodePortAddresses.Only([IPAddress.Parse("192.0.2.1")], loopback: false));
        var a = ProxyState.Create(IpFamily.IPv4, node, [Sample()]);
        var b = ProxyState.Create(IpFamily.IPv4, node with { NodePorts = NodePortAddresses.Only([IPAddress.Parse("192.0.2.1")], loopback: false) }, [FreshCopy(Sample())]);
        var c = b with { Services = EquatableArray<ServicePort>.Empty };
        var d = b with { Node = node with { LocalDetector = LocalTrafficDetector.FromInterface(DetectLocalMode.InterfaceNamePrefix, "veth") } };

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
    }

    [Fact]
    public void ReachableEndpointsAreBothSetsOnceEachInOrder() =>
        Assert.Equal([Remote, Local], Sample().ReachableEndpoints);

    [Theory]
    [InlineData(3, true)]
    [InlineData(4, false)]
    [InlineData(5, false)]
    public void ReachesMoreEndpointsThanCountsEachPortsReachableEndpoints(int threshold, bool expected)
    {
        // Two ports, two reachable endpoints each (the local one is in both sets and counts once): four in all.
        var state = ProxyState.Create(IpFamily.IPv4, NodeNetwork.Default, [Sample(), Sample() with { Name = Sample().Name with { PortName = "p81" } }]);

        Assert.Equal(expected, state.ReachesMoreEndpointsThan(threshold));
    }

    [Fact]
    public void AServiceWithEndpointsOnlyElsewhereStillHasEndpoints()
    {
        var empty = Sample() with { ClusterEndpoints = EquatableArray<Endpoint>.Empty, LocalEndpoints = EquatableArray<Endpoint>.Empty };

        Assert.True(empty.HasEndpoints);
        Assert.False((empty with { External = empty.External with { WhenEmpty = EmptyVerdict.Reject } }).HasEndpoints);
    }

    [Fact]
    public void CreateSortsServicesOrdinally()
    {
        var first = Sample() with { Name = new ServicePortName("a", "z", "", L4Protocol.Udp) };
        var second = Sample() with { Name = new ServicePortName("b", "a", "", L4Protocol.Tcp) };

        var state = ProxyState.Create(IpFamily.IPv4, NodeNetwork.Default, [second, Sample(), first]);

        Assert.Equal(["a/z", "b/a", "ns1/svc1:p80"], state.Services.Select(s => s.Name.ToString()));
    }

    [Theory]
    [InlineData("ns", "svc", "", "ns/svc")]
    [InlineData("ns", "svc", "http", "ns/svc:http")]
    public void ServicePortNamePrintsLikeUpstream(string ns, string name, string port, string expected) =>
        Assert.Equal(expected, new ServicePortName(ns, name, port, L4Protocol.Tcp).ToString());

    [Fact]
    public void Ipv6EndpointsPrintWithBrackets() =>
        Assert.Equal("[fd00::1]:80", new Endpoint(IPAddress.Parse("fd00::1"), 80, false).ToString());

    [Fact]
    public void DictionariesWithTheSameEntriesAreEqualWhateverTheirOrder()
    {
        EquatableDictionary<string, string> a = ImmutableDictionary.CreateRange([KeyValuePair.Create("zone", "a"), KeyValuePair.Create("host", "n1")]);
        EquatableDictionary<string, string> b = ImmutableDictionary.CreateRange([KeyValuePair.Create("host", "n1"), KeyValuePair.Create("zone", "a")]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a == b);
        Assert.NotEqual(a, (EquatableDictionary<string, string>)b.AsImmutableDictionary().SetItem("zone", "b"));
        Assert.NotEqual(a, (EquatableDictionary<string, string>)b.AsImmutableDictionary().Remove("zone"));
        Assert.Equal(EquatableDictionary<string, string>.Empty, default);
        Assert.Equal("{host=n1, zone=a}", a.ToString());
    }

    [Fact]
    public void RecordsHoldingADictionaryCompareItsEntries()
    {
        var a = new Labelled("n1", ImmutableDictionary<string, string>.Empty.Add("zone", "a"));
        var b = a with { Labels = ImmutableDictionary<string, string>.Empty.Add("zone", "a") };

        Assert.Equal(a, b);
        Assert.NotSame(a.Labels.AsImmutableDictionary(), b.Labels.AsImmutableDictionary());
        Assert.NotEqual(a, b with { Labels = ImmutableDictionary<string, string>.Empty.Add("zone", "b") });
    }

    private sealed record Labelled(string Name, EquatableDictionary<string, string> Labels);
}
