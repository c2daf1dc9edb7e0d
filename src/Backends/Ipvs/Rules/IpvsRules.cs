using System.Globalization;
using Proxy.Backends.Xtables;
using Proxy.Backends.Ipvs.Ipsets;
using Proxy.Core.Model;

namespace Proxy.Backends.Ipvs.Rules;

/// <summary>
/// Pure: the iptables-restore payload of IPVS mode, upstream's rules (writeIptablesRules). They match on ipsets, so
/// they depend on no service: a full sync rewrites them (and adds missing jumps), partial syncs change only the sets.
/// Unlike upstream, rules on a set are written even while it is empty, which keeps the payload constant.
/// </summary>
public static class IpvsRules
{
    public static RestoreTransaction Full(ProxyState state, int masqueradeBit, KernelRules kernel)
    {
        var transaction = new RestoreTransaction();
        foreach (var (table, chain) in IpvsChains.Owned)
        {
            transaction.Declare(table, chain);
        }
        foreach (var (table, chain, rule) in Rules(state, masqueradeBit))
        {
            transaction.Append(table, chain, rule);
        }
        foreach (var (table, builtIn, rule) in IpvsChains.Jumps)
        {
            if (!kernel.HasRule(table, builtIn, rule))
            {
                transaction.InsertFirst(table, builtIn, rule);
            }
        }
        return transaction;
    }

    /// <summary>Removes our jumps and chains (those that exist) and nothing else.</summary>
    public static RestoreTransaction Cleanup(KernelRules kernel) => ChainCleanup.Plan(kernel, IpvsChains.IsOwned);

    /// <summary>
    /// Upstream's set-to-chain jumps (ipsetWithIptablesChain), in its order: each -LOCAL set RETURNs before its twin
    /// marks for masquerade, so external traffic that keeps its source is never marked.
    /// </summary>
    private static readonly (string Set, string Table, string From, string To, string Match, string? Protocol)[] SetJumps =
    [
        (IpsetNames.LoopBack, TableNames.Nat, IpvsChains.Postrouting, "MASQUERADE", "dst,dst,src", null),
        (IpsetNames.LoadBalancer, TableNames.Nat, IpvsChains.Services, IpvsChains.LoadBalancer, "dst,dst", null),
        (IpsetNames.LoadBalancerLocal, TableNames.Nat, IpvsChains.LoadBalancer, "RETURN", "dst,dst", null),
        (IpsetNames.NodePortLocalTcp, TableNames.Nat, IpvsChains.NodePort, "RETURN", "dst", "tcp"),
        (IpsetNames.NodePortTcp, TableNames.Nat, IpvsChains.NodePort, IpvsChains.MarkMasq, "dst", "tcp"),
        (IpsetNames.NodePortLocalUdp, TableNames.Nat, IpvsChains.NodePort, "RETURN", "dst", "udp"),
        (IpsetNames.NodePortUdp, TableNames.Nat, IpvsChains.NodePort, IpvsChains.MarkMasq, "dst", "udp"),
        (IpsetNames.NodePortLocalSctp, TableNames.Nat, IpvsChains.NodePort, "RETURN", "dst,dst", "sctp"),
        (IpsetNames.NodePortSctp, TableNames.Nat, IpvsChains.NodePort, IpvsChains.MarkMasq, "dst,dst", "sctp"),
        (IpsetNames.LoadBalancerFirewall, TableNames.Filter, IpvsChains.Firewall, IpvsChains.SourceRangesFirewall, "dst,dst", null),
        (IpsetNames.LoadBalancerSourceCidr, TableNames.Filter, IpvsChains.SourceRangesFirewall, "RETURN", "dst,dst,src", null),
        (IpsetNames.LoadBalancerSourceIP, TableNames.Filter, IpvsChains.SourceRangesFirewall, "RETURN", "dst,dst,src", null),
    ];

    /// <summary>Every rule, in upstream's order within each chain (writeIptablesRules).</summary>
    public static IEnumerable<(string Table, string Chain, string Rule)> Rules(ProxyState state, int masqueradeBit)
    {
        var family = state.Family;
        // One rule on the KUBE-CLUSTER-IP set serves every port; the reconciler gives every port the same internal masquerade.
        var masquerade = state.Services.Select(p => p.Internal.Masquerade).FirstOrDefault();
        var mark = "0x" + (1 << masqueradeBit).ToString("x", CultureInfo.InvariantCulture);
        string Set(string name) => IpsetNames.Of(name, family);
        string Match(string name) => $"-m comment --comment \"{IpsetNames.CommentOf(name)}\" -m set --match-set {Set(name)}";
        const string nat = TableNames.Nat, filter = TableNames.Filter;

        // Node-local clients of loopback are never proxied (upstream's first rule).
        yield return (nat, IpvsChains.Services, $"-s {(family == IpFamily.IPv4 ? "127.0.0.0/8" : "::1/128")} -j RETURN");
        foreach (var (set, table, from, to, match, protocol) in SetJumps)
        {
            yield return (table, from, $"{(protocol is null ? "" : $"-p {protocol} ")}{Match(set)} {match} -j {to}");
        }

        var clusterIP = Match(IpsetNames.ClusterIP);
        if (masquerade == MasqueradeRule.All)
        {
            yield return (nat, IpvsChains.Services, $"{clusterIP} dst,dst -j {IpvsChains.MarkMasq}");
        }
        else if (masquerade == MasqueradeRule.OffCluster && state.Node.LocalDetector is { } detector)
        {
            // Off-cluster traffic to a service address is masqueraded: it may be answered by an endpoint on another node.
            yield return (nat, IpvsChains.Services, $"{clusterIP} dst,dst {RuleText.LocalMatch(detector, negate: true)} -j {IpvsChains.MarkMasq}");
        }
        else
        {
            // Without a cluster CIDR, node-originated connections that picked a service address as their source (the
            // addresses are local, on kube-ipvs0) are masqueraded, as upstream.
            yield return (nat, IpvsChains.Services, $"{clusterIP} src,dst -j {IpvsChains.MarkMasq}");
        }
        // External IPs: masqueraded unless their traffic keeps its source (the -LOCAL set); either way accepted here,
        // which ends nat processing before the node-port jump below: from off the machine (not bridged in, not from a
        // local address), or when the address is local (ours always are: they are bound to kube-ipvs0).
        yield return (nat, IpvsChains.Services, $"{Match(IpsetNames.ExternalIP)} dst,dst -j {IpvsChains.MarkMasq}");
        foreach (var set in new[] { IpsetNames.ExternalIP, IpsetNames.ExternalIPLocal })
        {
            yield return (nat, IpvsChains.Services, $"{Match(set)} dst,dst -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT");
            yield return (nat, IpvsChains.Services, $"{Match(set)} dst,dst -m addrtype --dst-type LOCAL -j ACCEPT");
        }
        yield return (nat, IpvsChains.Services, $"-m addrtype --dst-type LOCAL -j {IpvsChains.NodePort}");
        yield return (nat, IpvsChains.LoadBalancer, $"-j {IpvsChains.MarkMasq}");
        yield return (filter, IpvsChains.SourceRangesFirewall, "-j DROP");
        // Accept what IPVS will handle, in case later rules would drop it.
        yield return (nat, IpvsChains.Services, $"-m set --match-set {Set(IpsetNames.ClusterIP)} dst,dst -j ACCEPT");
        yield return (nat, IpvsChains.Services, $"-m set --match-set {Set(IpsetNames.LoadBalancer)} dst,dst -j ACCEPT");
        yield return (filter, IpvsChains.Forward, $"-m comment --comment \"kubernetes forwarding rules\" -m mark --mark {mark}/{mark} -j ACCEPT");
        yield return (filter, IpvsChains.Forward, "-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        yield return (filter, IpvsChains.NodePort, $"{Match(IpsetNames.HealthCheckNodePort)} dst -j ACCEPT");
        // Service addresses are local (kube-ipvs0): without this, a host process listening on 0.0.0.0 would answer on
        // every service address and any port (kubernetes#72236). Service ports pass on to IPVS; anything else is refused.
        yield return (filter, IpvsChains.IpvsFilter, $"-m set --match-set {Set(IpsetNames.LoadBalancer)} dst,dst -j RETURN");
        yield return (filter, IpvsChains.IpvsFilter, $"-m set --match-set {Set(IpsetNames.ClusterIP)} dst,dst -j RETURN");
        yield return (filter, IpvsChains.IpvsFilter, $"-m set --match-set {Set(IpsetNames.ExternalIP)} dst,dst -j RETURN");
        yield return (filter, IpvsChains.IpvsFilter, $"-m set --match-set {Set(IpsetNames.ExternalIPLocal)} dst,dst -j RETURN");
        yield return (filter, IpvsChains.IpvsFilter, $"-m set --match-set {Set(IpsetNames.HealthCheckNodePort)} dst -j RETURN");
        yield return (filter, IpvsChains.IpvsFilter, $"-m conntrack --ctstate NEW -m set --match-set {Set(IpsetNames.IpvsIps)} dst -j REJECT");
        yield return (nat, IpvsChains.Postrouting, $"-m mark ! --mark {mark}/{mark} -j RETURN");
        // Clear the mark so a packet that goes through the stack again is not masqueraded twice.
        yield return (nat, IpvsChains.Postrouting, $"-j MARK --xor-mark {mark}");
        yield return (nat, IpvsChains.Postrouting, "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");
        yield return (nat, IpvsChains.MarkMasq, $"-j MARK --or-mark {mark}");
    }
}
