using System.Collections.Immutable;
using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// A health-check node port this node serves: a LoadBalancer service with externalTrafficPolicy: Local and a
/// healthCheckNodePort. <see cref="LocalEndpoints"/> counts, per family, the distinct IPs of this node's ready endpoints
/// of any of its ports (terminating ones do not count), as upstream's LocalReadyEndpoints.
/// </summary>
public sealed record ServiceHealthCheck(string Namespace, string Name, int Port, EquatableDictionary<IpFamily, int> LocalEndpoints)
{
    public int LocalEndpointsOf(IpFamily family) => LocalEndpoints.TryGetValue(family, out var count) ? count : 0;

    /// <summary>The order a reconcile result lists health checks in: by namespace, then name.</summary>
    public static ImmutableArray<ServiceHealthCheck> InNameOrder(IEnumerable<ServiceHealthCheck> checks) =>
        [.. checks.OrderBy(h => h.Namespace, StringComparer.Ordinal).ThenBy(h => h.Name, StringComparer.Ordinal)];
}
