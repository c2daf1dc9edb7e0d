using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Testing;

/// <summary>Short ways to write the model in backend tests: Cluster-policy service ports and node networks.</summary>
internal static class TestModel
{
    /// <summary>A ClusterCIDR detector for <paramref name="cidr"/>, node ports on every non-loopback address.</summary>
    public static NodeNetwork Node(string? cidr) => new(
        cidr is null ? null : LocalTrafficDetector.FromCidr(DetectLocalMode.ClusterCIDR, IPNetwork.Parse(cidr)),
        NodePortAddresses.AllLocalAddresses(loopback: false));

    /// <summary>A Cluster-policy port served by <paramref name="endpoints"/> (its cluster set), masqueraded off-cluster.</summary>
    public static ServicePort Port(ServicePortName name, IPAddress clusterIP, int port, int nodePort, IEnumerable<Endpoint> endpoints) => new(name, clusterIP, port)
    {
        NodePort = nodePort,
        ClusterEndpoints = endpoints.Order().ToEquatableArray(),
        Internal = TrafficRoute.Cluster with { Masquerade = MasqueradeRule.OffCluster },
    };
}
