using System.Collections.Immutable;
using System.Net;

namespace Proxy.Core.Model;

/// <summary>
/// The desired state of one IP family on this node: every service port, ordinal-sorted by name, plus what the state
/// says about the node itself. An immutable snapshot: build a new one, never change a published one.
/// </summary>
public sealed record ProxyState(IpFamily Family, NodeNetwork Node, EquatableArray<ServicePort> Services)
{
    /// <summary>
    /// This family's service CIDRs (networking.k8s.io/v1 ServiceCIDR objects, spec.cidrs): the ranges cluster IPs are
    /// allocated from. Cluster-wide, not per service: a mode may refuse traffic to an address in them that no service
    /// holds (nftables mode drops it, as upstream). Empty when the cluster has none or does not serve the API.
    /// </summary>
    public EquatableArray<IPNetwork> ServiceCIDRs { get; init; } = EquatableArray<IPNetwork>.Empty;

    /// <summary>
    /// Whether the service ports reach more than <paramref name="threshold"/> endpoints in all (each port's
    /// <see cref="ServicePort.ReachableEndpoints"/>): upstream's large-cluster switch. Counts only until it knows, so that
    /// a large state answers after a few ports, at every sync.
    /// </summary>
    public bool ReachesMoreEndpointsThan(int threshold)
    {
        var count = 0L;
        foreach (var port in Services)
        {
            count += port.ReachableEndpoints.Count;
            if (count > threshold)
            {
                return true;
            }
        }
        return false;
    }

    public static ProxyState Empty(IpFamily family) => new(family, NodeNetwork.Default, EquatableArray<ServicePort>.Empty);

    /// <summary>Builds a state whose services are in canonical order (by name: unique within a family), whatever order they come in.</summary>
    public static ProxyState Create(IpFamily family, NodeNetwork node, IEnumerable<ServicePort> services)
    {
        var sorted = services.ToArray();
        // A stable sort, so that even an invalid state with a repeated name has one order.
        var order = Enumerable.Range(0, sorted.Length).ToArray();
        Array.Sort(order, (a, b) => sorted[a].Name.CompareTo(sorted[b].Name) is var c and not 0 ? c : a.CompareTo(b));
        return new(family, node, order.Select(i => sorted[i]).ToImmutableArray());
    }
}
