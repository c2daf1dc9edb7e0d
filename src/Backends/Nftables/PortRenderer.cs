using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;
using static Proxy.Backends.Nftables.NftNames;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Pure: one service port → its <see cref="PortElements"/>, with upstream nftables mode's behaviour spelled in the shared
/// layout. Each destination (cluster IP, external IPs, load-balancer IPs, node port) is a verdict-map element that
/// sends it to the chain of its route; a route of a set of N endpoints is a shared chain per N whose DNAT map holds
/// the set's endpoints under the destination's key. External destinations with upstream's short-circuits go through
/// the shared external chains first. Only session affinity gives the port chains and sets of its own.
/// </summary>
internal sealed class PortRenderer(ServicePort port, NftSyntax f, Dictionary<string, NftGroup> groupCache, bool endpointComments)
{
    private readonly string name = port.Name.ToString();
    private readonly string proto = port.Protocol.ToLower();
    private readonly List<(string, NftElement)> elements = [];
    private readonly List<(string, NftElement)> shared = [];
    private readonly List<NftGroup> groups = [];
    private readonly List<NftObject> objects = [];
    private readonly HashSet<string> owned = new(StringComparer.Ordinal);
    private readonly HashSet<(Destination, EndpointSetKind, string)> keyed = [];

    public PortElements Render()
    {
        // The guard rail's set of cluster IPs: every port, with or without endpoints (several ports share the address).
        shared.Add((ClusterIPs, new NftElement(port.ClusterIP.ToString(), ElementComment: $"{port.Name.Namespace}/{port.Name.Name}")));

        var clusterIP = Key(port.ClusterIP);
        if (port.EndpointsOf(port.Internal).Count > 0)
        {
            elements.Add((ServiceIPs, Element(clusterIP, Goto(Target(Destination.Address, clusterIP, NftRoute.Of(port.Internal, f.HasDetector))))));
        }
        else
        {
            elements.Add((NoEndpointServices, Element(clusterIP, Verdict(port.Internal))));
        }
        foreach (var ip in port.ExternalIPs.Concat(port.LoadBalancerIPs).Distinct())
        {
            External(Destination.Address, Key(ip));
        }
        if (port.NodePort != 0)
        {
            External(Destination.NodePort, $"{proto} . {port.NodePort}");
        }
        Firewall();
        foreach (var address in port.ReachableEndpoints.Select(e => e.Address).Distinct())
        {
            // Hairpin: a pod reaching itself through its service must see the node as source, or the reply skips conntrack.
            shared.Add((Hairpin, new NftElement($"{address} . {address}")));
        }
        return new PortElements([.. elements], [.. shared], [.. groups], [.. objects]);
    }

    /// <summary>
    /// External traffic to one destination, as upstream's external chain: with a Local policy, this node's pods and the
    /// node itself are served from the cluster set first (the node masqueraded); the rest goes to the external set,
    /// or gets the empty set's verdict from the filter chains.
    /// </summary>
    private void External(Destination destination, string key)
    {
        var externalSet = port.EndpointsOf(port.External);
        if (port.HasEndpoints)
        {
            var clusterSet = port.ClusterEndpoints.Count > 0;
            var pods = port.External.PodsUseClusterSet && f.HasDetector && clusterSet;
            var node = port.External.NodeUsesClusterSet && clusterSet;
            var address = destination == Destination.Address;
            var dispatch = address ? ServiceIPs : ServiceNodePorts;
            var route = NftRoute.Of(port.External, f.HasDetector);
            if (pods || node)
            {
                elements.Add((dispatch, Element(key, Goto(address ? ExternalIPs : ExternalNodePorts))));
                if (pods)
                {
                    elements.Add((address ? ExternalIPsFromPods : ExternalNodePortsFromPods, Element(key, Goto(Target(destination, key, new(EndpointSetKind.Cluster, MasqueradeRule.None))))));
                }
                if (node)
                {
                    // The node's own traffic has a node address (maybe this very IP) as source: masqueraded, as upstream.
                    elements.Add((address ? ExternalIPsFromNode : ExternalNodePortsFromNode, Element(key, Goto(Target(destination, key, new(EndpointSetKind.Cluster, MasqueradeRule.All))))));
                }
                if (externalSet.Count > 0)
                {
                    elements.Add((address ? ExternalIPsPolicy : ExternalNodePortsPolicy, Element(key, Goto(Target(destination, key, route)))));
                }
            }
            else if (externalSet.Count > 0)
            {
                elements.Add((dispatch, Element(key, Goto(Target(destination, key, route)))));
            }
        }
        if (externalSet.Count == 0)
        {
            elements.Add((destination == Destination.Address ? NoEndpointServices : NoEndpointNodePorts, Element(key, Verdict(port.External))));
        }
    }

    /// <summary>
    /// The chain that serves <paramref name="route"/> for the destination <paramref name="key"/>: the shared chain of the
    /// route and endpoint count, whose map gets the set's endpoints under this key; or, with affinity, the port's own.
    /// </summary>
    private string Target(Destination destination, string key, NftRoute route)
    {
        if (port.Affinity is { } affinity)
        {
            return AffinityTarget(route, affinity);
        }
        var endpoints = port.EndpointsOf(route.Set);
        var n = endpoints.Count;
        var map = EndpointMap(destination, route.Set, n, proto);
        var chain = RouteChain(destination, route, n, proto);
        // The value's type names the port's protocol, which nft turns into a "meta l4proto" match on the DNAT rule
        // (why the maps are per protocol: NftNames.ProtocolSuffix).
        Use(map, () => [new NftSet(f.Family, Table, "map", map, $"typeof {f.KeyOf(destination)} . numgen random mod {n} : {f.Family} daddr . {proto} dport")]);
        Use(chain, () =>
        {
            var rules = ImmutableArray.CreateBuilder<NftObject>();
            rules.Add(new NftChain(f.Family, Table, chain));
            if (f.MasqueradeRule(route.Masquerade) is { } masquerade)
            {
                rules.Add(new NftRule(f.Family, Table, chain, masquerade));
            }
            rules.Add(new NftRule(f.Family, Table, chain, $"dnat {f.Family} to {f.KeyOf(destination)} . numgen random mod {n} map @{map}"));
            return rules.ToImmutable();
        });
        if (keyed.Add((destination, route.Set, key)))
        {
            var comment = endpointComments ? name : null;
            for (var i = 0; i < n; i++)
            {
                elements.Add((map, new NftElement($"{key} . {i}", NftSyntax.Value(endpoints[i]), comment)));
            }
        }
        return chain;
    }

    /// <summary>
    /// sessionAffinity: ClientIP, as upstream: one set per endpoint remembers its clients for the timeout (refreshed by
    /// every new connection); a remembered client goes back to its endpoint, any other picks one at random (each in
    /// turn with probability 1/remaining) and is remembered. Affinity is per service port, across all its destinations.
    /// One chain per endpoint set used, plus a chain per masquerading route that marks and continues there.
    /// </summary>
    private string AffinityTarget(NftRoute route, ClientIPAffinity affinity)
    {
        var set = new NftRoute(route.Set, MasqueradeRule.None);
        var chain = AffinityChain(port.Name, set);
        if (owned.Add(chain))
        {
            var endpoints = port.EndpointsOf(route.Set);
            var memories = endpoints.Select(e => AffinitySet(port.Name, e)).ToList();
            foreach (var memory in memories.Where(owned.Add))
            {
                objects.Add(new NftSet(f.Family, Table, "set", memory, $"type {f.AddrType} ; flags dynamic,timeout ; timeout {affinity.TimeoutSeconds}s") { KeepsElements = true });
            }
            objects.Add(new NftChain(f.Family, Table, chain));
            string Dnat(int i) => $"update @{memories[i]} {{ {f.Family} saddr }} meta l4proto {proto} dnat {f.Family} to {f.DnatTarget(endpoints[i])}";
            for (var i = 0; i < endpoints.Count; i++)
            {
                objects.Add(new NftRule(f.Family, Table, chain, $"{f.Family} saddr @{memories[i]} {Dnat(i)}"));
            }
            for (var i = 0; i < endpoints.Count; i++)
            {
                var remaining = endpoints.Count - i;
                objects.Add(new NftRule(f.Family, Table, chain, remaining > 1 ? $"numgen random mod {remaining} == 0 {Dnat(i)}" : Dnat(i)));
            }
        }
        if (f.MasqueradeRule(route.Masquerade) is not { } masquerade)
        {
            return chain;
        }
        var wrapper = AffinityChain(port.Name, route);
        if (owned.Add(wrapper))
        {
            objects.Add(new NftChain(f.Family, Table, wrapper));
            objects.Add(new NftRule(f.Family, Table, wrapper, masquerade));
            objects.Add(new NftRule(f.Family, Table, wrapper, $"goto {chain}"));
        }
        return wrapper;
    }

    /// <summary>
    /// loadBalancerSourceRanges, as upstream's firewall check: before DNAT, new connections to a load-balancer IP of the
    /// port from a source outside every range are dropped. Node ports and external IPs are never filtered.
    /// </summary>
    private void Firewall()
    {
        if (port.LoadBalancerIPs.Count == 0 || port.LoadBalancerSourceRanges.Count == 0)
        {
            return;
        }
        // An interval set refuses overlapping elements: a range inside another (the LB IP in a range) adds nothing.
        var ranges = NftRenderer.Outermost(port.LoadBalancerSourceRanges);
        foreach (var ip in port.LoadBalancerIPs)
        {
            var key = Key(ip);
            elements.Add((FirewallIPs, Element(key, null)));
            foreach (var range in ranges)
            {
                elements.Add((FirewallAllow, Element($"{key} . {range}", null)));
            }
        }
    }

    private void Use(string group, Func<ImmutableArray<NftObject>> build)
    {
        if (!groupCache.TryGetValue(group, out var found))
        {
            groupCache[group] = found = new NftGroup(group, build());
        }
        if (!groups.Contains(found))
        {
            groups.Add(found);
        }
    }

    private string Key(IPAddress address) => $"{address} . {proto} . {port.Port}";

    private NftElement Element(string key, string? value) => new(key, value, name);

    private static string Goto(string chain) => $"goto {chain}";

    private static string Verdict(TrafficRoute route) => route.WhenEmpty == EmptyVerdict.Reject ? Goto(Reject) : "drop";
}
