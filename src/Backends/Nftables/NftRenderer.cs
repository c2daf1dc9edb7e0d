using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;
using static Proxy.Backends.Nftables.NftNames;

namespace Proxy.Backends.Nftables;

/// <summary>
/// Pure: one family's <see cref="ProxyState"/> → the <see cref="NftRuleset"/> of its table: the scaffold (base chains,
/// shared maps and chains, which depend only on the node) and each service port's share (<see cref="PortRenderer"/>).
/// The layout is described in this folder's README.
/// </summary>
public static class NftRenderer
{
    /// <param name="previous">
    /// The last ruleset of this family: when its scaffold is the same, service ports equal to one it rendered reuse that
    /// rendering, and its reference counts are carried forward instead of recounted.
    /// </param>
    public static NftRuleset Render(ProxyState state, NftablesOptions options, NftRuleset? previous = null)
    {
        var f = new NftSyntax(state.Family, state.Node.LocalDetector, options.MasqueradeMark);
        var scaffold = Scaffold(f, state);
        var same = previous is not null && previous.Scaffold.SequenceEqual(scaffold) ? previous : null;
        var groups = same is null ? new Dictionary<string, NftGroup>(StringComparer.Ordinal) : new Dictionary<string, NftGroup>(same.Groups, StringComparer.Ordinal);
        var endpointComments = options.EndpointComments(state);
        var ports = new Dictionary<ServicePort, PortElements>(state.Services.Count, PortIdentity.Instance);
        var reuse = same is not null && same.EndpointComments == endpointComments;
        foreach (var port in state.Services)
        {
            ports[port] = reuse && same!.Ports.TryGetValue(port, out var rendered) ? rendered : new PortRenderer(port, f, groups, endpointComments).Render();
        }
        return new NftRuleset(f.Family, scaffold, ports, same?.EndpointComments == endpointComments ? same : null) { EndpointComments = endpointComments };
    }

    /// <summary>Everything that depends only on the node: sets and maps, chains and their rules, the node-port addresses.</summary>
    private static ImmutableArray<NftObject> Scaffold(NftSyntax f, ProxyState state)
    {
        var list = new List<NftObject>();
        var ip = f.Family;
        var address = $"{f.AddrType} . inet_proto . inet_service";
        const string Port = "inet_proto . inet_service";
        void Map(string name, string key) => list.Add(new NftSet(ip, Table, "map", name, $"type {key} : verdict"));
        void Set(string name, string type) => list.Add(new NftSet(ip, Table, "set", name, $"type {type}"));
        void Chain(string name, string? hook, params string?[] rules)
        {
            list.Add(new NftChain(ip, Table, name, hook));
            list.AddRange(rules.OfType<string>().Select(r => new NftRule(ip, Table, name, r)));
        }

        Map(ServiceIPs, address);
        Map(ServiceNodePorts, Port);
        Map(ExternalIPsFromPods, address);
        Map(ExternalIPsFromNode, address);
        Map(ExternalIPsPolicy, address);
        Map(ExternalNodePortsFromPods, Port);
        Map(ExternalNodePortsFromNode, Port);
        Map(ExternalNodePortsPolicy, Port);
        Map(NoEndpointServices, address);
        Map(NoEndpointNodePorts, Port);
        Set(FirewallIPs, address);
        list.Add(new NftSet(ip, Table, "set", FirewallAllow, $"type {address} . {f.AddrType} ; flags interval"));
        Set(ClusterIPs, f.AddrType);
        Set(Hairpin, $"{f.AddrType} . {f.AddrType}");

        // Where node ports listen: every local address but loopback (nftables mode has no localhost node ports, as
        // upstream), or exactly the chosen ones.
        var nodePorts = state.Node.NodePorts;
        string nodePortMatch;
        if (nodePorts.AllLocal)
        {
            nodePortMatch = $"fib daddr type local {ip} daddr != {f.Loopback}";
        }
        else
        {
            Set(NodePortIPs, f.AddrType);
            nodePortMatch = $"{ip} daddr @{NodePortIPs}";
        }

        Chain(MarkForMasquerade, null, $"meta mark set meta mark or {f.Mark}");
        Chain(Reject, null, "reject");
        Chain(Services, null, $"{f.AddressKey} vmap @{ServiceIPs}", $"{nodePortMatch} meta l4proto . th dport vmap @{ServiceNodePorts}");
        // upstream's external chain, shared: this node's pods, then the node itself, then the external policy.
        Chain(ExternalIPs, null,
            f.LocalTraffic(negate: false) is { } pods ? $"{pods} {f.AddressKey} vmap @{ExternalIPsFromPods}" : null,
            $"fib saddr type local {f.AddressKey} vmap @{ExternalIPsFromNode}",
            $"{f.AddressKey} vmap @{ExternalIPsPolicy}");
        Chain(ExternalNodePorts, null,
            f.LocalTraffic(negate: false) is { } podsToNodePorts ? $"{podsToNodePorts} meta l4proto . th dport vmap @{ExternalNodePortsFromPods}" : null,
            $"fib saddr type local meta l4proto . th dport vmap @{ExternalNodePortsFromNode}",
            $"meta l4proto . th dport vmap @{ExternalNodePortsPolicy}");
        // After DNAT, a packet still addressed to a cluster IP was for none of its ports; one to an address of the
        // service CIDRs that no service holds is dropped, as upstream.
        var cidrs = Outermost(state.ServiceCIDRs);
        Chain(ClusterIPsCheck, null,
            $"{ip} daddr @{ClusterIPs} reject comment \"reject traffic to invalid ports of cluster IPs\"",
            cidrs.Count > 0 ? $"{ip} daddr {{ {string.Join(", ", cidrs)} }} drop comment \"drop traffic to unallocated cluster IPs\"" : null);

        var newConnection = "ct state new";
        var noEndpoints = $"{newConnection} {f.AddressKey} vmap @{NoEndpointServices}";
        var firewall = $"{newConnection} {f.AddressKey} @{FirewallIPs} {f.AddressKey} . {ip} saddr != @{FirewallAllow} drop";
        Chain(NatPrerouting, "type nat hook prerouting priority -100", $"jump {Services}");
        Chain("nat-output", "type nat hook output priority -100", $"jump {Services}");
        Chain("nat-postrouting", "type nat hook postrouting priority 100",
            // Hairpin: a pod reaching itself through its service must see the node as source, or the reply skips conntrack.
            $"ct status dnat {ip} saddr . {ip} daddr @{Hairpin} masquerade",
            $"meta mark & {f.Mark} == 0 return",
            // Clear the mark so that a packet re-traversing the stack (e.g. through a tunnel) is not SNATed twice.
            $"meta mark set meta mark xor {f.Mark}",
            "masquerade fully-random");
        // Filter chains run at dstnat-10: source ranges see the load-balancer IP, before DNAT rewrites it.
        Chain("filter-prerouting", "type filter hook prerouting priority -110", firewall);
        Chain("filter-input", "type filter hook input priority -110",
            $"{newConnection} {(nodePorts.AllLocal ? $"{ip} daddr != {f.Loopback}" : $"{ip} daddr @{NodePortIPs}")} meta l4proto . th dport vmap @{NoEndpointNodePorts}",
            noEndpoints);
        Chain("filter-forward", "type filter hook forward priority -110", noEndpoints, $"{newConnection} jump {ClusterIPsCheck}");
        Chain("filter-output", "type filter hook output priority -110", firewall);
        // The node's own connections are checked after DNAT: the short-circuits of Local services must have run first,
        // or the node's traffic to such a service without local endpoints would be dropped.
        Chain("filter-output-post-dnat", "type filter hook output priority -90", noEndpoints, $"{newConnection} jump {ClusterIPsCheck}");

        if (!nodePorts.AllLocal && nodePorts.Addresses.Count > 0)
        {
            list.Add(new NftElements(ip, Table, NodePortIPs, [.. nodePorts.Addresses.Where(a => !IPAddress.IsLoopback(a)).Select(a => new NftElement(a.ToString()))]));
        }
        return [.. list];
    }

    /// <summary>The networks not inside another of the list, once each: what an interval set holds without overlaps.</summary>
    internal static List<IPNetwork> Outermost(IEnumerable<IPNetwork> networks)
    {
        var all = networks.Distinct().ToList();
        return [.. all.Where(n => !all.Any(o => o != n && o.PrefixLength <= n.PrefixLength && o.Contains(n.BaseAddress)))];
    }
}
