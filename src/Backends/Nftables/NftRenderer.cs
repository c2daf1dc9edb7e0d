using System.Collections.Immutable;
using System.Net;
using Proxy.Core.Model;

namespace Proxy.Backends.Nftables;

/// <summary>Pure: one family's <see cref="ProxyState"/> → the <see cref="NftRuleset"/> of its table (layout in <see cref="NftNames"/>).</summary>
public static class NftRenderer
{
    /// <param name="previous">The last ruleset of this family: service ports equal to one it rendered reuse that rendering.</param>
    public static NftRuleset Render(ProxyState state, NftablesOptions options, NftRuleset? previous = null)
    {
        var f = Syntax.For(state.Family);
        var ports = new Dictionary<ServicePort, PortElements>(state.Services.Count);
        foreach (var port in state.Services)
        {
            ports[port] = previous is not null && previous.Ports.TryGetValue(port, out var rendered) ? rendered : RenderPort(port);
        }
        var scaffold = Scaffold(f, state, options);
        // Counting from the previous ruleset is only sound when it describes the same scaffold (a full sync otherwise).
        return new NftRuleset(f.Family, scaffold, ports, previous is not null && previous.Scaffold.SequenceEqual(scaffold) ? previous : null);
    }

    /// <summary>The elements of one service port: dispatch (or rejection), masquerade key, DNAT targets, hairpin.</summary>
    public static PortElements RenderPort(ServicePort port)
    {
        var name = port.Name.ToString();
        var proto = port.Protocol.ToLower();
        var key = $"{port.ClusterIP} . {proto} . {port.Port}";
        var nodePortKey = $"{proto} . {port.NodePort}";
        var elements = ImmutableArray.CreateBuilder<(string, NftElement)>();
        var hairpins = ImmutableArray.CreateBuilder<NftElement>();
        // Until nftables mode renders traffic policies (and warns for each service that has one), every port is served
        // from its cluster set.
        var endpoints = port.ClusterEndpoints;
        if (endpoints.Count == 0)
        {
            elements.Add((NftNames.NoEndpointServices, new NftElement(key, $"goto {NftNames.Reject}", name)));
            if (port.NodePort != 0)
            {
                elements.Add((NftNames.NoEndpointNodePorts, new NftElement(nodePortKey, $"goto {NftNames.Reject}", name)));
            }
            return new PortElements(0, elements.ToImmutable(), []);
        }
        var n = endpoints.Count;
        elements.Add((NftNames.ServiceIPs, new NftElement(key, $"goto {NftNames.ClusterDnat(n)}", name)));
        // Every element of a service port names it, so `nft list table ip kube-proxy | grep ns/name` shows all of them.
        elements.Add((NftNames.ClusterIPs, new NftElement(key, ElementComment: name)));
        if (port.NodePort != 0)
        {
            elements.Add((NftNames.ServiceNodePorts, new NftElement(nodePortKey, $"goto {NftNames.NodePortDnat(n)}", name)));
        }
        for (var i = 0; i < n; i++)
        {
            var endpoint = $"{endpoints[i].Address} . {endpoints[i].Port}";
            elements.Add((NftNames.ClusterEndpoints(n), new NftElement($"{key} . {i}", endpoint, name)));
            if (port.NodePort != 0)
            {
                elements.Add((NftNames.NodePortEndpoints(n), new NftElement($"{nodePortKey} . {i}", endpoint, name)));
            }
            var hairpin = new NftElement($"{endpoints[i].Address} . {endpoints[i].Address}");
            if (!hairpins.Contains(hairpin))
            {
                hairpins.Add(hairpin);
            }
        }
        return new PortElements(n, elements.ToImmutable(), hairpins.ToImmutable());
    }

    /// <summary>The per-endpoint-count objects: two DNAT maps and the two chains that use them.</summary>
    public static IReadOnlyList<NftObject> PerCount(string family, int n)
    {
        var f = Syntax.For(family);
        var t = NftNames.Table;
        var pick = $"numgen random mod {n}";
        return
        [
            new NftSet(f.Family, t, "map", NftNames.ClusterEndpoints(n), $"typeof {f.Address} daddr . meta l4proto . th dport . {pick} : {f.Address} daddr . th dport"),
            new NftSet(f.Family, t, "map", NftNames.NodePortEndpoints(n), $"typeof meta l4proto . th dport . {pick} : {f.Address} daddr . th dport"),
            new NftChain(f.Family, t, NftNames.ClusterDnat(n)),
            new NftRule(f.Family, t, NftNames.ClusterDnat(n), $"dnat {f.Address} to {f.Address} daddr . meta l4proto . th dport . {pick} map @{NftNames.ClusterEndpoints(n)}"),
            new NftChain(f.Family, t, NftNames.NodePortDnat(n)),
            // Node-port traffic is always masqueraded, as in iptables mode (externalTrafficPolicy: Cluster).
            new NftRule(f.Family, t, NftNames.NodePortDnat(n), $"jump {NftNames.MarkForMasquerade}"),
            new NftRule(f.Family, t, NftNames.NodePortDnat(n), $"dnat {f.Address} to meta l4proto . th dport . {pick} map @{NftNames.NodePortEndpoints(n)}"),
        ];
    }

    private static ImmutableArray<NftObject> Scaffold(Syntax f, ProxyState state, NftablesOptions options)
    {
        var t = NftNames.Table;
        var mark = options.MasqueradeMark;
        var vip = $"{f.Address} daddr . meta l4proto . th dport";
        var list = new List<NftObject>
        {
            new NftSet(f.Family, t, "map", NftNames.ServiceIPs, $"type {f.AddrType} . inet_proto . inet_service : verdict"),
            new NftSet(f.Family, t, "map", NftNames.ServiceNodePorts, "type inet_proto . inet_service : verdict"),
            new NftSet(f.Family, t, "map", NftNames.NoEndpointServices, $"type {f.AddrType} . inet_proto . inet_service : verdict"),
            new NftSet(f.Family, t, "map", NftNames.NoEndpointNodePorts, "type inet_proto . inet_service : verdict"),
            new NftSet(f.Family, t, "set", NftNames.ClusterIPs, $"type {f.AddrType} . inet_proto . inet_service"),
            new NftSet(f.Family, t, "set", NftNames.Hairpin, $"type {f.AddrType} . {f.AddrType}"),
        };
        void Chain(string name, string? hook, params string[] rules)
        {
            list.Add(new NftChain(f.Family, t, name, hook));
            list.AddRange(rules.Select(r => new NftRule(f.Family, t, name, r)));
        }

        Chain(NftNames.MarkForMasquerade, null, $"meta mark set meta mark or {mark}");
        Chain(NftNames.Reject, null, "reject");
        Chain(NftNames.Services, null, $"{vip} vmap @{NftNames.ServiceIPs}", $"fib daddr type local meta l4proto . th dport vmap @{NftNames.ServiceNodePorts}");
        // One rule on the cluster-ips set serves every port; the reconciler gives every port the same internal masquerade.
        var masquerade = state.Services.Select(p => p.Internal.Masquerade).FirstOrDefault();
        var masqueradeFromOutside = masquerade == MasqueradeRule.All
            ? $"{vip} @{NftNames.ClusterIPs} jump {NftNames.MarkForMasquerade}"
            : masquerade == MasqueradeRule.OffCluster && state.Node.LocalDetector is { Cidr: { } cidr }
                ? $"{f.Address} saddr != {cidr} {vip} @{NftNames.ClusterIPs} jump {NftNames.MarkForMasquerade}"
                : masquerade == MasqueradeRule.OffCluster && state.Node.LocalDetector is { Interface: { } name } detector
                    ? $"iifname != \"{name}{(detector.IsPrefix ? "*" : "")}\" {vip} @{NftNames.ClusterIPs} jump {NftNames.MarkForMasquerade}" : null;
        string[] dispatch = masqueradeFromOutside is null ? [$"jump {NftNames.Services}"] : [masqueradeFromOutside, $"jump {NftNames.Services}"];
        Chain("nat-prerouting", "type nat hook prerouting priority -100", dispatch);
        Chain("nat-output", "type nat hook output priority -100", dispatch);
        Chain("nat-postrouting", "type nat hook postrouting priority 100",
            // Hairpin: a pod reaching itself through its service must see the node as source, or the reply skips conntrack.
            $"ct status dnat {f.Address} saddr . {f.Address} daddr @{NftNames.Hairpin} masquerade",
            $"meta mark & {mark} == 0 return",
            $"meta mark set meta mark xor {mark}",
            "masquerade fully-random");
        var noEndpoints = $"ct state new {vip} vmap @{NftNames.NoEndpointServices}";
        Chain("filter-input", "type filter hook input priority -110",
            $"ct state new fib daddr type local meta l4proto . th dport vmap @{NftNames.NoEndpointNodePorts}", noEndpoints);
        Chain("filter-forward", "type filter hook forward priority -110", noEndpoints);
        Chain("filter-output", "type filter hook output priority -110", noEndpoints);
        return [.. list];
    }

    /// <summary>How one family is spelled in nft.</summary>
    private sealed record Syntax(string Family, string Address, string AddrType)
    {
        public static Syntax For(IpFamily family) => family == IpFamily.IPv4 ? new("ip", "ip", "ipv4_addr") : new("ip6", "ip6", "ipv6_addr");

        public static Syntax For(string family) => family == "ip" ? For(IpFamily.IPv4) : For(IpFamily.IPv6);
    }
}
