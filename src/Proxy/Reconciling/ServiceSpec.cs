using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// What the proxy reads of one Service, validated and parsed once, for every family and port: upstream's
/// BaseServicePortInfo before it is split by family and port.
/// </summary>
/// <param name="ExternalPolicyLocal">externalTrafficPolicy: Local on a service reachable from outside at all
/// (NodePort, LoadBalancer, or ClusterIP with externalIPs): upstream's apiservice.ExternalPolicyLocal.</param>
internal sealed record ServiceSpec(
    string Namespace,
    string Name,
    ImmutableArray<IPAddress> ClusterIPs,
    ImmutableArray<ServiceSpec.PortSpec> Ports,
    ImmutableArray<IPAddress> ExternalIPs,
    ImmutableArray<IPAddress> LoadBalancerIPs,
    ImmutableArray<IPNetwork> LoadBalancerSourceRanges,
    bool ExternalPolicyLocal,
    bool InternalPolicyLocal,
    ClientIPAffinity? Affinity,
    int HealthCheckNodePort)
{
    public sealed record PortSpec(string Name, L4Protocol Protocol, int Port, int NodePort);
}
