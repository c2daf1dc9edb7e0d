using Proxy.Core.Model;

namespace Proxy.Reconciling;

/// <summary>
/// upstream's CategorizeEndpoints (pkg/proxy/topology.go): a service port's candidates → its cluster set, its local set,
/// and whether it has a usable endpoint anywhere.
/// <list type="bullet">
/// <item>cluster set (when used): ready endpoints, filtered by topology hints; when none, the serving-and-terminating
/// ones, ignoring topology;</item>
/// <item>local set (when used): this node's ready endpoints; when none, its serving-and-terminating ones; never
/// filtered by topology;</item>
/// <item>topology: node hints when every ready endpoint has some and one names this node; else zone hints when every
/// ready endpoint has some and one names this node's zone; else none.</item>
/// </list>
/// </summary>
internal static class EndpointCategorizer
{
    /// <summary>The label that holds the node's zone, which zone hints name.</summary>
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    public static Categorized Categorize(IReadOnlyList<EndpointCandidate> candidates, bool usesCluster, bool usesLocal, string nodeName, string zone)
    {
        List<EndpointCandidate> cluster = [];
        List<EndpointCandidate> local = [];
        var hasAny = false;
        if (usesCluster)
        {
            var topology = TopologyOf(candidates, nodeName, zone);
            cluster = [.. candidates.Where(c => c.Ready && topology.Admits(c))];
            if (cluster.Count == 0)
            {
                // Topology is already ignored when no ready endpoint matches it: none is ready anywhere.
                cluster = [.. candidates.Where(c => c.Serving && c.Terminating)];
            }
            hasAny = cluster.Count > 0;
        }
        if (usesLocal)
        {
            hasAny |= candidates.Any(c => c.Ready || (c.Serving && c.Terminating));
            local = [.. candidates.Where(c => c.IsLocal && c.Ready)];
            if (local.Count == 0)
            {
                local = [.. candidates.Where(c => c.IsLocal && c.Serving && c.Terminating)];
            }
        }
        return new Categorized(ToEndpoints(cluster), ToEndpoints(local), hasAny, ToEndpoints([.. candidates.Where(c => c.Serving)]));
    }

    private static EquatableArray<Endpoint> ToEndpoints(List<EndpointCandidate> chosen) =>
        chosen.Select(c => new Endpoint(c.Address, c.Port, c.IsLocal)).Order().ToEquatableArray();

    private static Topology TopologyOf(IReadOnlyList<EndpointCandidate> candidates, string nodeName, string zone)
    {
        var ready = candidates.Where(c => c.Ready).ToList();
        if (ready.Count == 0)
        {
            return Topology.None;
        }
        if (ready.All(c => c.NodeHints.Count > 0) && ready.Any(c => c.NodeHints.Contains(nodeName)))
        {
            return new Topology(c => c.NodeHints.Contains(nodeName));
        }
        if (ready.All(c => c.ZoneHints.Count > 0) && ready.Any(c => c.ZoneHints.Contains(zone)))
        {
            return new Topology(c => c.ZoneHints.Contains(zone));
        }
        return Topology.None;
    }

    /// <param name="Serving">Every serving endpoint, unfiltered: what conntrack cleanup keeps (see <see cref="ServicePort.ServingEndpoints"/>).</param>
    internal sealed record Categorized(EquatableArray<Endpoint> Cluster, EquatableArray<Endpoint> Local, bool HasAny, EquatableArray<Endpoint> Serving);

    private sealed record Topology(Func<EndpointCandidate, bool> Admits)
    {
        public static Topology None { get; } = new(_ => true);
    }
}
