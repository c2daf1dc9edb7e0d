using System.Collections.Immutable;
using k8s.Models;

namespace Proxy.Reconciling;

/// <summary>An immutable snapshot of the Kubernetes objects the proxy reads, as one source last saw them.</summary>
public sealed record ClusterObjects(ImmutableArray<V1Service> Services, ImmutableArray<V1EndpointSlice> EndpointSlices, ImmutableArray<V1Node> Nodes)
{
    public static ClusterObjects Empty { get; } = new([], [], []);

    /// <summary>networking.k8s.io/v1 ServiceCIDRs: the ranges cluster IPs come from (none on clusters that do not serve them).</summary>
    public ImmutableArray<V1ServiceCIDR> ServiceCIDRs { get; init; } = [];
}
