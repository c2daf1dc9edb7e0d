using System.Net;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// One service port of one family, decided: which endpoint sets it needs (upstream's UsesClusterEndpoints and
/// UsesLocalEndpoints), what they hold (<see cref="EndpointCategorizer"/>), and how internal and external traffic use
/// them. Every Service-semantics decision a backend needs is taken here and nowhere else.
/// </summary>
internal static class ServicePortBuilder
{
    public static ServicePort Build(
        ServiceSpec spec,
        ServiceSpec.PortSpec portSpec,
        IPAddress clusterIP,
        IReadOnlyList<EndpointCandidate> candidates,
        NodeNetwork network,
        NodeContext node,
        ReconcileOptions options)
    {
        var family = clusterIP.Family();
        var externalIPs = spec.ExternalIPs.Where(a => a.Family() == family).ToEquatableArray();
        var loadBalancerIPs = spec.LoadBalancerIPs.Where(a => a.Family() == family).ToEquatableArray();
        var port = new ServicePort(new ServicePortName(spec.Namespace, spec.Name, portSpec.Name, portSpec.Protocol), clusterIP, portSpec.Port)
        {
            NodePort = portSpec.NodePort,
            ExternalIPs = externalIPs,
            LoadBalancerIPs = loadBalancerIPs,
            LoadBalancerSourceRanges = SourceRanges(spec, family, loadBalancerIPs, node),
            Affinity = spec.Affinity,
            HealthCheckNodePort = spec.HealthCheckNodePort,
        };

        // Per family and port, as upstream's BaseServicePortInfo: a family without external IPs or LB IPs of its own and
        // without a node port is not externally accessible, whatever the service's type.
        var accessible = port.IsExternallyAccessible;
        var externalLocal = spec.ExternalPolicyLocal && accessible;
        // Even with externalTrafficPolicy: Local, external traffic needs the cluster set for its short-circuits.
        var usesCluster = !spec.InternalPolicyLocal || accessible;
        var usesLocal = spec.InternalPolicyLocal || externalLocal;
        var sets = EndpointCategorizer.Categorize(candidates, usesCluster, usesLocal, node.NodeName, node.Zone);

        // Only a Local set can be empty while the service has endpoints elsewhere: traffic to it drops. An empty
        // cluster set means no usable endpoint anywhere, and the connection is rejected at once.
        var localWhenEmpty = sets.HasAny ? EmptyVerdict.Drop : EmptyVerdict.Reject;
        var hasDetector = network.LocalDetector is not null;
        var internalMasquerade = options.MasqueradeAll ? MasqueradeRule.All : hasDetector ? MasqueradeRule.OffCluster : MasqueradeRule.None;
        return port with
        {
            ClusterEndpoints = sets.Cluster,
            LocalEndpoints = sets.Local,
            ServingEndpoints = sets.Serving,
            Internal = spec.InternalPolicyLocal
                ? new TrafficRoute(EndpointSetKind.Local, internalMasquerade, localWhenEmpty)
                : new TrafficRoute(EndpointSetKind.Cluster, internalMasquerade, EmptyVerdict.Reject),
            External = externalLocal
                ? new TrafficRoute(EndpointSetKind.Local, MasqueradeRule.None, localWhenEmpty) { PodsUseClusterSet = hasDetector, NodeUsesClusterSet = true }
                : TrafficRoute.ClusterMasqueraded,
        };
    }

    /// <summary>
    /// This family's ranges; when one holds the node's IP, the load-balancer IPs too: for a VIP-like load balancer the
    /// node often has the VIP as a local address, so its own requests loop back with the VIP as source.
    /// </summary>
    private static EquatableArray<IPNetwork> SourceRanges(ServiceSpec spec, IpFamily family, EquatableArray<IPAddress> loadBalancerIPs, NodeContext node)
    {
        var ranges = spec.LoadBalancerSourceRanges.Where(r => r.Family() == family).ToList();
        if (ranges.Count > 0 && node.NodeIP(family) is { } nodeIP && ranges.Any(r => r.Contains(nodeIP)))
        {
            ranges.AddRange(loadBalancerIPs.Select(ip => new IPNetwork(ip, family == IpFamily.IPv4 ? 32 : 128)));
        }
        return ranges.ToEquatableArray();
    }
}
