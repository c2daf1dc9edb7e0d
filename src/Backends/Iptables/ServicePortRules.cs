using Proxy.Core.Model;
using static Proxy.Backends.Xtables.RuleText;

namespace Proxy.Backends.Iptables;

/// <summary>
/// Pure: one service port → its rules, in upstream's layout (syncProxyRules): capture rules in KUBE-SERVICES and
/// KUBE-NODEPORTS, verdicts for empty endpoint sets in the filter table, and the port's own chains: KUBE-SVC (cluster
/// set), KUBE-SVL (local set), KUBE-EXT (external traffic: masquerade or short-circuits, then the external set),
/// KUBE-FW (load-balancer source ranges) and one KUBE-SEP per endpoint. Every decision comes from the model.
/// <paramref name="countLocalhost"/>: node-port packets to 127.0.0.0/8 are counted in their nfacct counter first.
/// </summary>
internal sealed class ServicePortRules(ServicePort port, IpFamily family, LocalTrafficDetector? detector, bool largeCluster, bool countLocalhost = false)
{
    private readonly string name = port.Name.ToString();
    private readonly string proto = port.Protocol.ToLower();
    private readonly string svcChain = ChainNames.Service(port.Name);
    private readonly string svlChain = ChainNames.ServiceLocal(port.Name);
    private readonly string extChain = ChainNames.External(port.Name);
    private readonly string fwChain = ChainNames.Firewall(port.Name);

    public void Render(RenderedRules rules)
    {
        var hasEndpoints = port.HasEndpoints;
        var internalSet = port.EndpointsOf(port.Internal);
        var externalSet = port.EndpointsOf(port.External);
        var internalChain = ChainOf(port.Internal);
        var usesExternalChain = hasEndpoints && port.IsExternallyAccessible;
        var usesFirewall = hasEndpoints && port.LoadBalancerIPs.Count > 0 && port.LoadBalancerSourceRanges.Count > 0;
        var loadBalancerChain = usesFirewall ? fwChain : extChain;
        var servicePort = $"-m {proto} --dport {Port(port.Port)}";

        // Capture the cluster IP.
        var clusterIP = Host(port.ClusterIP);
        if (internalSet.Count > 0)
        {
            rules.NatServices.Add(Join($"-d {clusterIP} -p {proto}", Comment($"{name} cluster IP"), servicePort, $"-j {internalChain}"));
        }
        else
        {
            rules.FilterServices.Add(Join($"-d {clusterIP} -p {proto}", Comment(EmptyComment(port.Internal)), servicePort, Verdict(port.Internal)));
        }

        // Capture external IPs and load-balancer IPs; what no external endpoint serves gets the external verdict.
        foreach (var externalIP in port.ExternalIPs)
        {
            if (hasEndpoints)
            {
                rules.NatServices.Add(Join($"-d {Host(externalIP)} -p {proto}", Comment($"{name} external IP"), servicePort, $"-j {extChain}"));
            }
            if (externalSet.Count == 0)
            {
                rules.FilterExternalServices.Add(Join($"-d {Host(externalIP)} -p {proto}", Comment(EmptyComment(port.External)), servicePort, Verdict(port.External)));
            }
        }
        foreach (var loadBalancerIP in port.LoadBalancerIPs)
        {
            if (hasEndpoints)
            {
                rules.NatServices.Add(Join($"-d {Host(loadBalancerIP)} -p {proto}", Comment($"{name} loadbalancer IP"), servicePort, $"-j {loadBalancerChain}"));
            }
            if (usesFirewall)
            {
                // What KUBE-FW did not send on was not DNATed: this drops it.
                rules.FilterProxyFirewall.Add(Join($"-d {Host(loadBalancerIP)} -p {proto}", Comment($"{name} traffic not accepted by {fwChain}"), servicePort, "-j DROP"));
            }
        }
        if (externalSet.Count == 0)
        {
            foreach (var loadBalancerIP in port.LoadBalancerIPs)
            {
                rules.FilterExternalServices.Add(Join($"-d {Host(loadBalancerIP)} -p {proto}", Comment(EmptyComment(port.External)), servicePort, Verdict(port.External)));
            }
        }

        // Capture the node port (never subject to loadBalancerSourceRanges, as upstream).
        if (port.NodePort != 0)
        {
            var nodePort = $"-m {proto} --dport {Port(port.NodePort)}";
            if (hasEndpoints)
            {
                if (countLocalhost)
                {
                    rules.NatNodePorts.Add(Join($"-d 127.0.0.0/8 -p {proto}", Comment(name), nodePort, $"-m nfacct --nfacct-name {IptablesOptions.LocalhostNodePortsCounter}", $"-j {extChain}"));
                }
                rules.NatNodePorts.Add(Join($"-p {proto}", Comment(name), nodePort, $"-j {extChain}"));
            }
            if (externalSet.Count == 0)
            {
                rules.FilterExternalServices.Add(Join($"-p {proto}", Comment(EmptyComment(port.External)), "-m addrtype --dst-type LOCAL", nodePort, Verdict(port.External)));
            }
        }
        if (port.HealthCheckNodePort != 0)
        {
            // Whether or not this node has local endpoints: the load balancer must be able to ask.
            rules.FilterNodePorts.Add(Join("-p tcp", Comment($"{name} health check node port"), $"-m tcp --dport {Port(port.HealthCheckNodePort)}", "-j ACCEPT"));
        }

        if (usesExternalChain)
        {
            rules.PerService.Add(Chain(extChain, ExternalChainRules(externalSet)));
        }
        if (usesFirewall)
        {
            var allowed = port.LoadBalancerSourceRanges.Select(r => Join($"-s {Network(r)}", Comment($"{name} loadbalancer IP"), $"-j {extChain}")).ToList();
            // A rule with no target, as upstream's: it only names where the rest goes.
            allowed.Add(Comment($"other traffic to {name} will be dropped by {ChainNames.ProxyFirewall}"));
            rules.PerService.Add(Chain(fwChain, allowed));
        }
        if (port.ClusterEndpoints.Count > 0)
        {
            rules.PerService.Add(Chain(svcChain, PolicyChainRules(port.ClusterEndpoints, internalSet.Count > 0 && internalChain == svcChain)));
        }
        if (port.LocalEndpoints.Count > 0)
        {
            rules.PerService.Add(Chain(svlChain, PolicyChainRules(port.LocalEndpoints, internalSet.Count > 0 && internalChain == svlChain)));
        }
        foreach (var endpoint in port.ReachableEndpoints)
        {
            rules.PerService.Add(Chain(ChainNames.Endpoint(port.Name, endpoint), EndpointChainRules(endpoint)));
        }
    }

    private string ChainOf(TrafficRoute route) => route.Endpoints == EndpointSetKind.Cluster ? svcChain : svlChain;

    private string EmptyComment(TrafficRoute route) => route.WhenEmpty == EmptyVerdict.Reject ? $"{name} has no endpoints" : $"{name} has no local endpoints";

    private string Verdict(TrafficRoute route) => route.WhenEmpty == EmptyVerdict.Reject ? $"-j REJECT --reject-with {RejectWith(family)}" : "-j DROP";

    /// <summary>KUBE-EXT: masquerade (Cluster policy), or the short-circuits of a Local policy; then the external set.</summary>
    private List<string> ExternalChainRules(IReadOnlyList<Endpoint> externalSet)
    {
        var rules = new List<string>();
        switch (port.External.Masquerade)
        {
            case MasqueradeRule.All:
                rules.Add(Join(Comment($"masquerade traffic for {name} external destinations"), $"-j {ChainNames.MarkMasq}"));
                break;
            case MasqueradeRule.OffCluster when detector is not null:
                rules.Add(Join(LocalSource(detector, negate: true), LocalInterface(detector, negate: true),
                    Comment($"masquerade traffic for {name} external destinations"), $"-j {ChainNames.MarkMasq}"));
                break;
        }
        var clusterSet = port.ClusterEndpoints.Count > 0;
        if (port.External.PodsUseClusterSet && detector is not null && clusterSet)
        {
            // Pod → external destination traffic skips the policy, as if it went out to the load balancer and back.
            rules.Add(Join(LocalSource(detector, negate: false), LocalInterface(detector, negate: false),
                Comment($"pod traffic for {name} external destinations"), $"-j {svcChain}"));
        }
        if (port.External.NodeUsesClusterSet && clusterSet)
        {
            // The node's own traffic has a node address (maybe the LB IP itself) as source: masquerade it, and serve it.
            rules.Add(Join(Comment($"masquerade LOCAL traffic for {name} external destinations"), "-m addrtype --src-type LOCAL", $"-j {ChainNames.MarkMasq}"));
            rules.Add(Join(Comment($"route LOCAL traffic for {name} external destinations"), "-m addrtype --src-type LOCAL", $"-j {svcChain}"));
        }
        if (externalSet.Count > 0)
        {
            rules.Add($"-j {ChainOf(port.External)}");
        }
        return rules;
    }

    /// <summary>KUBE-SVC or KUBE-SVL: the internal masquerade (when internal traffic uses this chain), affinity, then the spread.</summary>
    private List<string> PolicyChainRules(IReadOnlyList<Endpoint> endpoints, bool servesInternal)
    {
        var rules = new List<string>();
        if (servesInternal)
        {
            var clusterIP = $"-d {Host(port.ClusterIP)} -p {proto}";
            var match = Join(Comment($"{name} cluster IP"), $"-m {proto} --dport {Port(port.Port)}", $"-j {ChainNames.MarkMasq}");
            switch (port.Internal.Masquerade)
            {
                case MasqueradeRule.All:
                    rules.Add(Join(clusterIP, match));
                    break;
                case MasqueradeRule.OffCluster when detector is not null:
                    // Off-cluster traffic to the cluster IP (a static route to the service range via any node) may be
                    // answered from another node: masquerade it.
                    rules.Add(Join(LocalSource(detector, negate: true), $"-d {Host(port.ClusterIP)}", LocalInterface(detector, negate: true), $"-p {proto}", match));
                    break;
            }
        }
        if (port.Affinity is { } affinity)
        {
            foreach (var endpoint in endpoints)
            {
                var sep = ChainNames.Endpoint(port.Name, endpoint);
                rules.Add(Join(EndpointComment($"{name} -> {endpoint}"), $"-m recent --rcheck --seconds {Port(affinity.TimeoutSeconds)} --reap --name {sep} --mask {Mask} --rsource", $"-j {sep}"));
            }
        }
        for (var i = 0; i < endpoints.Count; i++)
        {
            var remaining = endpoints.Count - i;
            var spread = remaining > 1 ? $"-m statistic --mode random --probability {Probability(remaining)}" : null;
            rules.Add(Join(EndpointComment($"{name} -> {endpoints[i]}"), spread, $"-j {ChainNames.Endpoint(port.Name, endpoints[i])}"));
        }
        return rules;
    }

    /// <summary>KUBE-SEP: hairpin masquerade, then DNAT (recording the client for affinity).</summary>
    private List<string> EndpointChainRules(Endpoint endpoint)
    {
        var comment = EndpointComment(name);
        // Hairpin: a pod reaching itself through its service must see the node as source, or its reply would go straight
        // back to itself and never be un-NATed.
        var hairpin = Join($"-s {Host(endpoint.Address)}", comment, $"-j {ChainNames.MarkMasq}");
        var record = port.Affinity is null ? null : $"-m recent --set --name {ChainNames.Endpoint(port.Name, endpoint)} --mask {Mask} --rsource";
        return [hairpin, Join($"-p {proto}", comment, record, $"-m {proto}", $"-j DNAT --to-destination {endpoint}")];
    }

    /// <summary>upstream's large cluster mode: above 1,000 endpoints, endpoint rules carry no comment (a much shorter payload).</summary>
    private string? EndpointComment(string text) => largeCluster ? null : Comment(text);

    /// <summary>-m recent keys on the whole source address.</summary>
    private string Mask => family == IpFamily.IPv4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

    private static string Probability(int n) => (1.0 / n).ToString("F10", System.Globalization.CultureInfo.InvariantCulture);

    private ChainRules Chain(string chain, IEnumerable<string> rules) => new(BaseChains.Nat, chain, new PackedRules(rules), name);
}
