using System.Text;
using Proxy.Core.Model;

namespace Proxy.Bench.Nftables;

/// <summary>
/// The reference line: the same model in upstream kube-proxy's nftables layout (pkg/proxy/nftables/proxier.go), as
/// one transaction: the shared dispatch maps, and per service port a chain per endpoint set (service-…, local-…), an
/// external chain, a firewall chain for source ranges, a chain per endpoint, and affinity sets. Structure and object
/// counts are upstream's (what nft -f pays for); names are shortened (no hash), comments left out. IPv4 only.
/// </summary>
internal static class UpstreamLayout
{
    public static string Render(ProxyState state, string mark)
    {
        var t = new StringBuilder();
        var elements = new Dictionary<string, List<string>>();
        void Line(string text) => t.Append(text).Append('\n');
        void Element(string set, string element)
        {
            if (!elements.TryGetValue(set, out var list))
            {
                elements[set] = list = [];
            }
            list.Add(element);
        }

        Line("add table ip kube-proxy { comment \"rules for kube-proxy\" ; }");
        foreach (var (name, hook) in new[]
        {
            ("filter-prerouting", "type filter hook prerouting priority -110"), ("filter-input", "type filter hook input priority -110"),
            ("filter-forward", "type filter hook forward priority -110"), ("filter-output", "type filter hook output priority -110"),
            ("filter-output-post-dnat", "type filter hook output priority -90"), ("nat-prerouting", "type nat hook prerouting priority -100"),
            ("nat-output", "type nat hook output priority -100"), ("nat-postrouting", "type nat hook postrouting priority 100"),
        })
        {
            Line($"add chain ip kube-proxy {name} {{ {hook} ; policy accept ; }}");
        }
        foreach (var chain in new[] { "services", "masquerading", "mark-for-masquerade", "service-endpoints-check", "nodeport-endpoints-check", "firewall-check", "cluster-ips-check", "reject-chain" })
        {
            Line($"add chain ip kube-proxy {chain}");
        }
        const string Vip = "ip daddr . meta l4proto . th dport";
        Line("add set ip kube-proxy cluster-ips { type ipv4_addr ; }");
        foreach (var map in new[] { "service-ips", "no-endpoint-services", "firewall-ips" })
        {
            Line($"add map ip kube-proxy {map} {{ type ipv4_addr . inet_proto . inet_service : verdict ; }}");
        }
        foreach (var map in new[] { "service-nodeports", "no-endpoint-nodeports" })
        {
            Line($"add map ip kube-proxy {map} {{ type inet_proto . inet_service : verdict ; }}");
        }
        foreach (var (from, to, match) in new[]
        {
            ("filter-input", "nodeport-endpoints-check", "ct state new "), ("filter-input", "service-endpoints-check", "ct state new "),
            ("filter-forward", "service-endpoints-check", "ct state new "), ("filter-output", "service-endpoints-check", "ct state new "),
            ("filter-prerouting", "firewall-check", "ct state new "), ("filter-output", "firewall-check", "ct state new "),
            ("nat-output", "services", ""), ("nat-prerouting", "services", ""), ("nat-postrouting", "masquerading", ""),
            ("filter-forward", "cluster-ips-check", "ct state new "), ("filter-output-post-dnat", "cluster-ips-check", "ct state new "),
        })
        {
            Line($"add rule ip kube-proxy {from} {match}jump {to}");
        }
        Line($"add rule ip kube-proxy mark-for-masquerade mark set mark or {mark}");
        Line($"add rule ip kube-proxy masquerading mark and {mark} == 0 return");
        Line($"add rule ip kube-proxy masquerading mark set mark xor {mark}");
        Line("add rule ip kube-proxy masquerading masquerade fully-random");
        Line("add rule ip kube-proxy reject-chain reject");
        Line("add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject");
        Line($"add rule ip kube-proxy service-endpoints-check {Vip} vmap @no-endpoint-services");
        Line("add rule ip kube-proxy nodeport-endpoints-check ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports");
        Line($"add rule ip kube-proxy firewall-check {Vip} vmap @firewall-ips");
        Line($"add rule ip kube-proxy services {Vip} vmap @service-ips");
        Line("add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports");

        var local = state.Node.LocalDetector?.Cidr?.ToString();
        var clusterIPs = new HashSet<string>();
        var i = 0;
        foreach (var port in state.Services)
        {
            var id = i++;
            var proto = port.Protocol.ToLower();
            var key = $"{proto} . {port.Port}";
            if (clusterIPs.Add(port.ClusterIP.ToString()))
            {
                Element("cluster-ips", port.ClusterIP.ToString());
            }
            string Svc(EndpointSetKind set) => set == EndpointSetKind.Cluster ? $"service-{id}" : $"local-{id}";
            string Endpoint(Endpoint e) => $"endpoint-{id}-{e.Address}-{e.Port}";
            var reachable = port.ReachableEndpoints;
            foreach (var e in reachable)
            {
                Line($"add chain ip kube-proxy {Endpoint(e)}");
                Line($"add rule ip kube-proxy {Endpoint(e)} ip saddr {e.Address} jump mark-for-masquerade");
                if (port.Affinity is { } a)
                {
                    Line($"add set ip kube-proxy affinity-{id}-{e.Address}-{e.Port} {{ type ipv4_addr ; flags dynamic,timeout ; timeout {a.TimeoutSeconds}s ; }}");
                    Line($"add rule ip kube-proxy {Endpoint(e)} update @affinity-{id}-{e.Address}-{e.Port} {{ ip saddr }}");
                }
                Line($"add rule ip kube-proxy {Endpoint(e)} meta l4proto {proto} dnat to {e.Address}:{e.Port}");
            }
            foreach (var set in new[] { EndpointSetKind.Cluster, EndpointSetKind.Local })
            {
                var endpoints = port.EndpointsOf(set);
                if (endpoints.Count == 0)
                {
                    continue;
                }
                Line($"add chain ip kube-proxy {Svc(set)}");
                if (port.Internal.Endpoints == set && port.Internal.Masquerade != MasqueradeRule.None)
                {
                    var notLocal = port.Internal.Masquerade == MasqueradeRule.OffCluster && local is not null ? $" ip saddr != {local}" : "";
                    Line($"add rule ip kube-proxy {Svc(set)} ip daddr {port.ClusterIP} {proto} dport {port.Port}{notLocal} jump mark-for-masquerade");
                }
                if (port.Affinity is not null)
                {
                    foreach (var e in endpoints)
                    {
                        Line($"add rule ip kube-proxy {Svc(set)} ip saddr @affinity-{id}-{e.Address}-{e.Port} goto {Endpoint(e)}");
                    }
                }
                Line($"add rule ip kube-proxy {Svc(set)} numgen random mod {endpoints.Count} vmap {{ {string.Join(", ", endpoints.Select((e, n) => $"{n} : goto {Endpoint(e)}"))} }}");
            }
            var internalSet = port.EndpointsOf(port.Internal);
            if (internalSet.Count > 0)
            {
                Element("service-ips", $"{port.ClusterIP} . {key} : goto {Svc(port.Internal.Endpoints)}");
            }
            else
            {
                Element("no-endpoint-services", $"{port.ClusterIP} . {key} : {(port.Internal.WhenEmpty == EmptyVerdict.Reject ? "goto reject-chain" : "drop")}");
            }
            if (!port.IsExternallyAccessible)
            {
                continue;
            }
            var externalSet = port.EndpointsOf(port.External);
            var verdict = port.External.WhenEmpty == EmptyVerdict.Reject ? "goto reject-chain" : "drop";
            if (port.HasEndpoints)
            {
                var ext = $"external-{id}";
                Line($"add chain ip kube-proxy {ext}");
                if (port.External.Masquerade == MasqueradeRule.All)
                {
                    Line($"add rule ip kube-proxy {ext} jump mark-for-masquerade");
                }
                else if (port.ClusterEndpoints.Count > 0)
                {
                    if (port.External.PodsUseClusterSet && local is not null)
                    {
                        Line($"add rule ip kube-proxy {ext} ip saddr {local} goto service-{id}");
                    }
                    Line($"add rule ip kube-proxy {ext} fib saddr type local jump mark-for-masquerade");
                    Line($"add rule ip kube-proxy {ext} fib saddr type local goto service-{id}");
                }
                if (externalSet.Count > 0)
                {
                    Line($"add rule ip kube-proxy {ext} goto {Svc(port.External.Endpoints)}");
                }
                foreach (var ip in port.ExternalIPs.Concat(port.LoadBalancerIPs))
                {
                    Element("service-ips", $"{ip} . {key} : goto {ext}");
                }
                if (port.NodePort != 0)
                {
                    Element("service-nodeports", $"{proto} . {port.NodePort} : goto {ext}");
                }
            }
            if (externalSet.Count == 0)
            {
                foreach (var ip in port.ExternalIPs.Concat(port.LoadBalancerIPs))
                {
                    Element("no-endpoint-services", $"{ip} . {key} : {verdict}");
                }
                if (port.NodePort != 0)
                {
                    Element("no-endpoint-nodeports", $"{proto} . {port.NodePort} : {verdict}");
                }
            }
            if (port.LoadBalancerIPs.Count > 0 && port.LoadBalancerSourceRanges.Count > 0)
            {
                var fw = $"firewall-{id}";
                Line($"add chain ip kube-proxy {fw}");
                Line($"add rule ip kube-proxy {fw} ip saddr != {{ {string.Join(", ", port.LoadBalancerSourceRanges)} }} drop");
                foreach (var ip in port.LoadBalancerIPs)
                {
                    Element("firewall-ips", $"{ip} . {key} : goto {fw}");
                }
            }
        }
        foreach (var (set, list) in elements)
        {
            Line($"add element ip kube-proxy {set} {{ {string.Join(", ", list)} }}");
        }
        return t.ToString();
    }
}
