using System.Net;
using Proxy.Core.Model;
using Proxy.Observability;

namespace Proxy.Tests.Observability;

/// <summary>Which service ports count in kubeproxy_sync_proxy_rules_no_local_endpoints_total, as upstream's proxiers count them.</summary>
public sealed class NoLocalEndpointsTests
{
    private static readonly TrafficRoute LocalDrop = new(EndpointSetKind.Local, MasqueradeRule.None, EmptyVerdict.Drop);
    private static readonly TrafficRoute LocalReject = new(EndpointSetKind.Local, MasqueradeRule.None, EmptyVerdict.Reject);
    private static readonly Endpoint Here = new(IPAddress.Parse("10.244.1.2"), 8080, IsLocal: true);

    private static ServicePort Port(string name) => new(new ServicePortName("default", name, "", L4Protocol.Tcp), IPAddress.Parse("10.96.0.1"), 80);

    public static TheoryData<string, ServicePort, int, int> Cases => new()
    {
        { "Cluster policies", Port("a"), 0, 0 },
        { "internal Local, none here, some elsewhere", Port("b") with { Internal = LocalDrop }, 1, 0 },
        { "internal Local, none anywhere: rejected, not counted", Port("c") with { Internal = LocalReject }, 0, 0 },
        { "internal Local, one here", Port("d") with { Internal = LocalDrop, LocalEndpoints = EquatableArray.Create(Here) }, 0, 0 },
        { "external Local on a node port, none here", Port("e") with { NodePort = 30080, External = LocalDrop }, 0, 1 },
        { "external Local on an external IP, none here", Port("f") with { ExternalIPs = EquatableArray.Create(IPAddress.Parse("192.0.2.9")), External = LocalDrop }, 0, 1 },
        { "external Local but not reachable from outside", Port("g") with { External = LocalDrop }, 0, 0 },
        { "both Local, none here", Port("h") with { NodePort = 30081, Internal = LocalDrop, External = LocalDrop }, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CountsPortsThatDropForWantOfALocalEndpoint(string what, ServicePort port, int internalCount, int externalCount)
    {
        var state = ProxyState.Create(IpFamily.IPv4, NodeNetwork.Default, [port, Port("other")]);

        Assert.True((internalCount, externalCount) == NoLocalEndpoints.Count(state), what);
    }

    [Fact]
    public void EachPortCountsOnce()
    {
        var state = ProxyState.Create(IpFamily.IPv4, NodeNetwork.Default,
            [Port("a") with { Internal = LocalDrop }, Port("b") with { Internal = LocalDrop, NodePort = 30080, External = LocalDrop }, Port("c")]);

        Assert.Equal((2, 1), NoLocalEndpoints.Count(state));
    }
}
